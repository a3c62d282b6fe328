from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from mcp_servers.index.bm25 import Bm25Leg, Bm25Settings, build_bm25
from mcp_servers.index.vectors import dot_rows, encode, normalize_rows, top_k_dot


def test_blocked_top_k_matches_a_full_sort() -> None:
    rng = np.random.default_rng(1)
    matrix = normalize_rows(rng.standard_normal((1000, 16)))
    query = normalize_rows(rng.standard_normal(16))[0]
    ids, scores = top_k_dot(matrix, query, k=25, block_rows=64)
    expected = np.argsort(-(matrix @ query))[:25]
    assert ids.tolist() == expected.tolist()
    assert np.allclose(scores, (matrix @ query)[expected], atol=1e-6)


def test_dot_rows_scores_only_the_given_rows_in_their_order() -> None:
    matrix = np.eye(4, dtype=np.float32)
    query = np.array([0.0, 2.0, 0.0, 3.0], dtype=np.float32)
    assert dot_rows(matrix, query, np.array([3, 0, 1])).tolist() == [3.0, 0.0, 2.0]


def test_zero_vectors_stay_zero_when_normalised() -> None:
    out = normalize_rows(np.array([[0.0, 0.0], [3.0, 4.0]]))
    assert out.tolist() == [[0.0, 0.0], [0.6000000238418579, 0.800000011920929]]


def test_the_fast_scorer_gives_bm25s_own_scores(tmp_path: Path) -> None:
    import bm25s

    texts = ["the cat sat on the mat", "a dog and a cat", "fish swim in the sea", "cat cat cat"]
    build_bm25(texts, tmp_path / "bm25", stemmed=False)
    leg = Bm25Leg(tmp_path / "bm25", stemmed=False)
    reference = bm25s.BM25.load(str(tmp_path / "bm25"))
    ids, scores = leg.candidate_scores("cat on a mat")
    expected = reference.get_scores(["cat", "mat"])
    assert ids.tolist() == [0, 1, 3]
    assert np.allclose(scores, expected[ids], atol=1e-6)
    top_ids, _ = leg.top("cat on a mat", 2)
    assert top_ids.tolist() == [0, 3]


def test_a_query_of_stopwords_and_unknown_words_has_no_bm25_candidates(tmp_path: Path) -> None:
    build_bm25(["alpha beta", "gamma delta"], tmp_path / "bm25", stemmed=False)
    ids, scores = Bm25Leg(tmp_path / "bm25", stemmed=False).candidate_scores("the of zeta")
    assert len(ids) == 0 and len(scores) == 0


def test_fast_static_encode_is_bit_for_bit_model2vec() -> None:
    from model2vec import StaticModel
    from tokenizers import Tokenizer, models, pre_tokenizers

    from mcp_servers.index.vectors import encode

    words = ["[UNK]", "the", "cat", "sat", "on", "mat", "a", "dog", "ran"]
    tokenizer = Tokenizer(models.WordLevel(vocab={w: i for i, w in enumerate(words)}, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    rng = np.random.default_rng(3)
    table = rng.standard_normal((len(words), 8)).astype(np.float16)
    texts = ["the cat sat on the mat", "", "a dog ran", "zebra", "dog " * 40, "the cat sat on a mat"]
    for normalize in (True, False):
        for max_length in (512, 7, None):
            model = StaticModel(vectors=table, tokenizer=tokenizer, normalize=normalize, max_length=max_length)
            expected = model.encode(texts)
            got = encode(model, texts)
            assert got.dtype == expected.dtype
            assert np.array_equal(got, expected)


class _OneThreadAtATime:
    """An embedder that counts how many threads are inside ``encode`` at once (an HF tokenizer allows one)."""

    def __init__(self) -> None:
        self.inside = 0
        self.most_inside = 0
        self.calls = 0

    def encode(self, sentences: list[str], **_: object) -> np.ndarray:
        self.inside += 1
        self.most_inside = max(self.most_inside, self.inside)
        self.calls += 1
        out = np.ones((len(sentences), 4), dtype=np.float32) * sum(len(s) for s in sentences)
        self.inside -= 1
        return out


def test_encode_lets_one_thread_at_a_time_into_the_model() -> None:
    model = _OneThreadAtATime()
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda i: encode(model, [f"text {i}"] * 50), range(400)))
    assert model.calls == 400
    assert model.most_inside == 1


def test_an_index_without_recorded_bm25_settings_keeps_the_old_unstemmed_tokenizer() -> None:
    assert Bm25Settings.from_meta({}) == Bm25Settings(stemmed=False, k1=1.2, b=0.75)
    recorded = Bm25Settings.from_meta({"stemmed": True, "bm25_k1": 0.9, "bm25_b": 0.4})
    assert recorded == Bm25Settings(stemmed=True, k1=0.9, b=0.4)


def test_stemming_lets_a_query_match_another_form_of_its_word(tmp_path: Path) -> None:
    texts = ["the painter was painting islands", "a volcano erupts"]
    build_bm25(texts, tmp_path / "stemmed", stemmed=True)
    build_bm25(texts, tmp_path / "plain", stemmed=False)
    assert Bm25Leg(tmp_path / "stemmed", stemmed=True).top("paintings island", 5)[0].tolist() == [0]
    assert len(Bm25Leg(tmp_path / "plain", stemmed=False).top("paintings", 5)[0]) == 0
