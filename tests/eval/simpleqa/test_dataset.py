from __future__ import annotations

import csv
import hashlib
import random
from pathlib import Path

import httpx
import pytest

from eval.simpleqa.dataset import DatasetFormat, download_dataset, load_dataset, select_questions
from mcp_servers.errors import JanagentError
from tests.eval.simpleqa.fakes import VERIFIED_CSV


@pytest.fixture
def simpleqa_csv(shared_data: Path) -> Path:
    return shared_data / "simpleqa" / "simple_qa_test_set.csv"


def test_the_real_csv_loads_every_question_with_its_topic_and_answer_type(simpleqa_csv: Path) -> None:
    data = load_dataset(simpleqa_csv)
    assert data.format is DatasetFormat.SIMPLEQA
    assert len(data.questions) == 4326
    first = data.questions[0]
    assert (first.index, first.answer, first.topic, first.answer_type) == (
        0,
        "Michio Sugeno",
        "Science and technology",
        "Person",
    )
    assert first.urls[0] == "https://en.wikipedia.org/wiki/IEEE_Frank_Rosenblatt_Award"
    assert len({q.topic for q in data.questions}) == 10
    assert len(data.sha256) == 64


def test_sampling_picks_the_same_rows_in_the_same_order_as_simple_evals(simpleqa_csv: Path) -> None:
    # simple-evals: examples = [row.to_dict() for _, row in pandas.read_csv(URL).iterrows()];
    # random.Random(0).sample(examples, n). pandas records come in file order, as csv.DictReader rows do.
    with simpleqa_csv.open(newline="", encoding="utf-8") as handle:
        records = list(csv.DictReader(handle))
    reference = random.Random(0).sample(records, 20)

    picked = select_questions(load_dataset(simpleqa_csv).questions, limit=20, seed=0)

    assert [q.problem for q in picked] == [r["problem"] for r in reference]
    assert [q.answer for q in picked] == [r["answer"] for r in reference]
    # Pinned independently of the code above: the first picks of seed 0.
    assert [q.index for q in picked[:3]] == [3155, 3445, 331]
    assert [q.answer for q in picked[:3]] == ["Mandi Bahauddin, Punjab", "32", "Tanzan Ishibashi"]


def test_another_seed_picks_other_rows(simpleqa_csv: Path) -> None:
    questions = load_dataset(simpleqa_csv).questions
    assert select_questions(questions, limit=20, seed=1) != select_questions(questions, limit=20, seed=0)


def test_topic_filter_keeps_only_that_topic_before_sampling(simpleqa_csv: Path) -> None:
    questions = load_dataset(simpleqa_csv).questions
    picked = select_questions(questions, limit=5, seed=0, topics=["video games"])
    assert len(picked) == 5
    assert {q.topic for q in picked} == {"Video games"}


def test_an_unknown_topic_is_a_one_line_error_listing_the_topics(simpleqa_csv: Path) -> None:
    with pytest.raises(JanagentError, match="topics are: Art"):
        select_questions(load_dataset(simpleqa_csv).questions, limit=5, topics=["Cooking"])


def test_a_limit_above_the_row_count_keeps_every_question_in_order(tmp_path: Path) -> None:
    path = tmp_path / "verified.csv"
    path.write_text(VERIFIED_CSV, encoding="utf-8")
    questions = load_dataset(path).questions
    assert select_questions(questions, limit=50) == questions


def test_the_verified_format_is_detected_and_parsed(tmp_path: Path) -> None:
    path = tmp_path / "verified.csv"
    path.write_text(VERIFIED_CSV, encoding="utf-8")
    data = load_dataset(path)
    assert data.format is DatasetFormat.VERIFIED
    first = data.questions[0]
    assert (first.answer, first.topic, first.answer_type) == ("120,000 euros", "Politics", "Number")
    assert first.urls == ("https://en.wikipedia.org/wiki/Stella_Obasanjo", "https://www.independent.co.uk/x")
    assert first.extra["original_index"] == "5"


def test_verified_sampling_keeps_the_file_order_like_its_own_script(tmp_path: Path) -> None:
    path = tmp_path / "verified.csv"
    path.write_text(VERIFIED_CSV, encoding="utf-8")
    questions = load_dataset(path).questions
    picked = select_questions(questions, limit=2, seed=3, fmt=DatasetFormat.VERIFIED)
    expected = sorted(random.Random(3).sample(range(3), 2))
    assert [q.index for q in picked] == expected


def test_a_csv_with_other_columns_is_rejected_with_the_expected_columns(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("question,gold\nq,a\n", encoding="utf-8")
    with pytest.raises(JanagentError, match="expected"):
        load_dataset(path)


def test_a_plain_question_and_answer_csv_is_read_and_sampled_like_simpleqa(tmp_path: Path) -> None:
    path = tmp_path / "answerable.csv"
    rows = [("Who painted Guernica?", "Pablo Picasso", "w1"), ("Where is Mount Etna?", "Sicily", "w2")]
    with path.open("w", newline="", encoding="utf-8-sig") as handle:  # a byte-order mark, as Excel writes
        writer = csv.writer(handle)
        writer.writerow(["question", "answer", "source"])
        writer.writerows(rows * 3)
    data = load_dataset(path)
    assert data.format is DatasetFormat.PLAIN
    first = data.questions[0]
    assert (first.problem, first.answer, first.topic, first.extra) == (
        rows[0][0],
        rows[0][1],
        "Unknown",
        {"source": "w1"},
    )
    picked = select_questions(data.questions, limit=3, seed=1, fmt=data.format)
    assert [q.index for q in picked] == random.Random(1).sample(range(6), 3)


def test_a_plain_csv_row_without_an_answer_is_a_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "answerable.csv"
    path.write_text("problem,answer\nWho painted Guernica?,Pablo Picasso\nWhere is Etna?,\n", encoding="utf-8")
    with pytest.raises(JanagentError, match=r"^row 1: the answer is empty$"):
        load_dataset(path)


def test_a_missing_dataset_file_says_to_pass_dataset(tmp_path: Path) -> None:
    with pytest.raises(JanagentError, match="--dataset"):
        load_dataset(tmp_path / "nope.csv")


def test_asking_for_the_other_format_than_the_file_has_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "verified.csv"
    path.write_text(VERIFIED_CSV, encoding="utf-8")
    with pytest.raises(JanagentError, match="verified format"):
        load_dataset(path, DatasetFormat.SIMPLEQA)


def test_the_official_csv_is_downloaded_once_into_the_cache(tmp_path: Path) -> None:
    body = VERIFIED_CSV.encode()
    requests: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(str(request.url))
        return httpx.Response(200, content=body)

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        url = "https://example.test/data/simpleqa_verified.csv"
        md5 = hashlib.md5(body).hexdigest()
        first = download_dataset(tmp_path, url, client=client, expected_md5=md5)
        second = download_dataset(tmp_path, url, client=client, expected_md5=md5)

    assert first == second == tmp_path / "simpleqa" / "simpleqa_verified.csv"
    assert first.read_bytes() == body
    assert len(requests) == 1
    assert load_dataset(first).format is DatasetFormat.VERIFIED


def test_a_download_with_the_wrong_checksum_is_rejected_and_not_cached(tmp_path: Path) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=b"x"))
    with httpx.Client(transport=transport) as client, pytest.raises(JanagentError, match="md5"):
        download_dataset(tmp_path, client=client)
    assert not any((tmp_path / "simpleqa").iterdir())


def test_a_failed_download_says_to_pass_a_local_dataset(tmp_path: Path) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(503))
    with httpx.Client(transport=transport) as client, pytest.raises(JanagentError, match="--dataset"):
        download_dataset(tmp_path, client=client)
