"""`janagent index add|stats|list|remove`, `janagent search`, and `janagent bench search`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from mcp_servers.errors import JanagentError

if TYPE_CHECKING:
    from mcp_servers.index.fusion import FusionConfig
    from mcp_servers.types import SearchIndex

IndexOption = Annotated[
    str | None,
    typer.Option("--index", "-i", help="Index name (default: $JANAGENT_INDEX or 'default'), or a Qdrant URL."),
]
EmbedOption = Annotated[
    str | None,
    typer.Option(
        "--embed-model", help="Model2Vec model folder or hub id (default: the index's own, else the default)."
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


def _echo_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _human_bytes(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:,.0f} {unit}" if unit == "B" else f"{value:,.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def _fusion(
    pool: str | None, combiner: str | None, depth: int | None, bm25_weight: float | None, vector_weight: float | None
) -> FusionConfig:
    from mcp_servers.index.fusion import DEFAULT_FUSION

    if pool not in (None, "bm25", "union"):
        raise JanagentError(f"--pool must be bm25 or union, not {pool!r}")
    if combiner not in (None, "rrf", "convex"):
        raise JanagentError(f"--combiner must be rrf or convex, not {combiner!r}")
    return DEFAULT_FUSION.with_overrides(
        pool=pool, combiner=combiner, depth=depth, bm25_weight=bm25_weight, vector_weight=vector_weight
    )


def index_add(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files and folders: .txt .md .html .pdf .jsonl(.gz) .json(.gz)")
    ] = None,
    index: IndexOption = None,
    demo: Annotated[
        bool, typer.Option("--demo", help="Add the bundled Wikipedia summaries (10,033 articles).")
    ] = False,
    embed_model: EmbedOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add documents to an index (created on first use); re-adding a changed file replaces its chunks."""
    from mcp_servers.index import demo_documents, load_documents, open_index
    from mcp_servers.index.local_index import LocalIndex
    from mcp_servers.index.progress import RichProgress

    if not paths and not demo:
        raise JanagentError("nothing to add: give files or folders, or --demo for the bundled Wikipedia summaries")
    target = open_index(index, embed_model=embed_model)
    docs = load_documents(paths or [])
    if demo:
        import itertools

        docs = itertools.chain(demo_documents(), docs)
    with RichProgress(f"indexing into '{target.name}'") as progress:
        chunks = (
            target.add_documents(docs, progress=progress)
            if isinstance(target, LocalIndex)
            else target.add_documents(docs)
        )
    report = target.last_report if isinstance(target, LocalIndex) else None
    stats = target.stats()
    summary: dict[str, Any] = {"index": target.name, "chunks_from_input": chunks, **stats.model_dump()}
    if report is not None:
        summary.update(
            added=report.added,
            updated=report.updated,
            unchanged=report.unchanged,
            dropped=report.dropped,
            duplicates_skipped=report.duplicates,
            seconds=round(report.seconds, 2),
        )
    if as_json:
        _echo_json(summary)
        return
    line = f"index '{target.name}': {stats.documents:,} documents, {stats.chunks:,} chunks"
    if report is not None:
        line += (
            f" ({report.added:,} added, {report.updated:,} updated, {report.unchanged:,} unchanged"
            + (f", {report.dropped:,} dropped" if report.dropped else "")
            + (f", {report.duplicates:,} repeated ids skipped" if report.duplicates else "")
            + f") in {report.seconds:.1f} s"
        )
    typer.echo(line)


def _open_existing(index: str | None, embed_model: str | None = None) -> SearchIndex:
    from mcp_servers.index import open_index
    from mcp_servers.index.local_index import LocalIndex

    target = open_index(index, embed_model=embed_model)
    if isinstance(target, LocalIndex) and not target.exists():
        raise JanagentError(
            f"no index named '{target.name}' - build it with `janagent index add PATH --index {target.name}` "
            "(or `janagent index add --demo`)"
        )
    return target


def search(
    query: Annotated[str, typer.Argument(help="What to look for.")],
    index: IndexOption = None,
    k: Annotated[int, typer.Option("-k", "--k", min=1, max=1000, help="Number of results.")] = 10,
    as_json: JsonOption = False,
    mode: Annotated[str, typer.Option("--mode", help="hybrid, bm25 or vector.")] = "hybrid",
    embed_model: EmbedOption = None,
    pool: Annotated[str | None, typer.Option(help="Hybrid candidates: bm25 (re-rank) or union.")] = None,
    combiner: Annotated[str | None, typer.Option(help="Hybrid fusion: convex or rrf.")] = None,
    depth: Annotated[int | None, typer.Option(min=1, help="Candidates taken from each leg.")] = None,
    bm25_weight: Annotated[float | None, typer.Option(min=0.0, help="Weight of the BM25 leg.")] = None,
    vector_weight: Annotated[float | None, typer.Option(min=0.0, help="Weight of the vector leg.")] = None,
) -> None:
    """Search an index: BM25 and Model2Vec vectors fused; each hit shows its matching passage."""
    from mcp_servers.index.fusion import MODES
    from mcp_servers.index.local_index import LocalIndex

    if mode not in MODES:
        raise JanagentError(f"--mode must be one of {', '.join(MODES)}, not {mode!r}")
    target = _open_existing(index, embed_model)
    if isinstance(target, LocalIndex):
        fusion = _fusion(pool, combiner, depth, bm25_weight, vector_weight)
        hits = target.search(query, k, mode=mode, fusion=fusion)
    else:
        if mode != "hybrid":
            raise JanagentError(f"--mode {mode} is only available on local indexes; this one fuses on the server")
        hits = target.search(query, k)
    if as_json:
        _echo_json([hit.model_dump() for hit in hits])
        return
    if not hits:
        typer.echo("no results")
        return
    for rank, hit in enumerate(hits, start=1):
        typer.echo(f"{rank}. {hit.title}  [{hit.score:.3f}]")
        typer.echo(f"   {hit.reference}")
        typer.echo(f"   {hit.snippet}")


def index_stats(index: IndexOption = None, as_json: JsonOption = False) -> None:
    """Documents, chunks, embedding model and size of an index."""
    stats = _open_existing(index).stats()
    if as_json:
        _echo_json(stats.model_dump())
        return
    typer.echo(
        f"{stats.name} ({stats.backend}): {stats.documents:,} documents, {stats.chunks:,} chunks, "
        f"model {stats.embed_model or '-'}, {_human_bytes(stats.size_bytes)}"
    )


def index_list(as_json: JsonOption = False) -> None:
    """The local indexes under JANAGENT_HOME."""
    from mcp_servers.index import list_indexes

    all_stats = list_indexes()
    if as_json:
        _echo_json([s.model_dump() for s in all_stats])
        return
    if not all_stats:
        typer.echo("no indexes yet - build one with `janagent index add --demo`")
        return
    for stats in all_stats:
        typer.echo(
            f"{stats.name}\t{stats.documents:,} documents\t{stats.chunks:,} chunks\t{_human_bytes(stats.size_bytes)}"
        )


def index_remove(
    name: Annotated[str, typer.Argument(help="The index to delete (or to delete documents from, with --doc).")],
    doc: Annotated[list[str] | None, typer.Option("--doc", help="Remove only these document ids.")] = None,
) -> None:
    """Delete a local index, or only some of its documents."""
    from mcp_servers.index import remove_index

    if doc:
        target = _open_existing(name)
        removed = target.remove(doc)
        typer.echo(f"removed {removed} of {len(set(doc))} documents from '{target.name}'")
        return
    if not remove_index(name):
        raise JanagentError(f"no index named '{name}' - see `janagent index list`")
    typer.echo(f"removed index '{name}'")


def bench_search(
    corpus: Annotated[
        list[Path] | None, typer.Option("--corpus", help="BEIR corpus.jsonl (with --scale: any documents, repeatable).")
    ] = None,
    queries: Annotated[Path | None, typer.Option("--queries", help="BEIR queries.jsonl.")] = None,
    qrels: Annotated[Path | None, typer.Option("--qrels", help="BEIR qrels .tsv (test split).")] = None,
    index_backend: Annotated[str, typer.Option("--index-backend", help="local or qdrant.")] = "local",
    qdrant_url: Annotated[
        str, typer.Option(help="Qdrant URL for --index-backend qdrant.")
    ] = "qdrant+memory:///janagent-bench",
    embed_model: EmbedOption = None,
    scale: Annotated[
        int | None, typer.Option("--scale", min=1, help="Time queries at N chunks built from --corpus.")
    ] = None,
    scale_queries: Annotated[int, typer.Option(min=1, help="Queries timed per mode with --scale.")] = 200,
    sweep: Annotated[bool, typer.Option("--sweep", help="Also score a grid of fusion settings.")] = False,
    pool: Annotated[str | None, typer.Option(help="Hybrid candidates: bm25 (re-rank) or union.")] = None,
    combiner: Annotated[str | None, typer.Option(help="Hybrid fusion: convex or rrf.")] = None,
    depth: Annotated[int | None, typer.Option(min=1, help="Candidates taken from each leg.")] = None,
    bm25_weight: Annotated[float | None, typer.Option(min=0.0)] = None,
    vector_weight: Annotated[float | None, typer.Option(min=0.0)] = None,
    suite: Annotated[
        str | None, typer.Option("--suite", help="Run the dev suite (dev): one table over all sets.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="With --suite: queries per set (a seeded sample).")] = 200,
    split: Annotated[str, typer.Option(help="With --suite: report, tune or all queries.")] = "report",
    tune: Annotated[
        bool, typer.Option("--tune", help="With --suite: rank fusion settings by their worst case.")
    ] = False,
    data_dir: Annotated[Path, typer.Option(help="With --suite: where the dev data is.")] = Path("../shared/data"),
    no_stem: Annotated[bool, typer.Option("--no-stem", help="With --suite: BM25 without stemming.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Retrieval quality (nDCG@10, recall@100) and speed on BEIR data, or query latency at --scale N chunks."""
    from eval.search_bench import run_beir, run_scale
    from mcp_servers.embeddings import load_static_model

    fusion = _fusion(pool, combiner, depth, bm25_weight, vector_weight)
    if suite is not None:
        from eval.suite_bench import run_dev_suite

        typer.echo(
            run_dev_suite(suite, data_dir, load_static_model(embed_model), fusion, limit, split, tune, as_json, no_stem)
        )
        return
    if scale is not None:
        if not corpus:
            raise JanagentError("--scale needs --corpus: documents to build the chunks from (e.g. simplewiki.jsonl.gz)")
        for path in corpus:
            if not path.exists():
                raise JanagentError(f"{path}: no such file or folder")
        result = run_scale(corpus, scale, embedder=load_static_model(embed_model), queries=scale_queries, fusion=fusion)
        _echo_json(result)
        return
    if not corpus or len(corpus) != 1 or queries is None or qrels is None:
        raise JanagentError("give --corpus, --queries and --qrels (BEIR format), or --scale N with --corpus")
    from eval.beir import load_corpus, load_qrels, load_queries

    query_texts, judgments = load_queries(queries), load_qrels(qrels)
    result = run_beir(
        load_corpus(corpus[0]),
        query_texts,
        judgments,
        embedder=load_static_model(embed_model),
        backend=index_backend,
        qdrant_url=qdrant_url,
        fusion=fusion,
        sweep=sweep,
    )
    _echo_json(result)


def register(app: typer.Typer, bench: typer.Typer) -> None:
    """Add `index ...` and `search` to the app and `search` to the bench group."""
    index_app = typer.Typer(help="Build and manage local search indexes.", no_args_is_help=True)
    index_app.command("add")(index_add)
    index_app.command("stats")(index_stats)
    index_app.command("list")(index_list)
    index_app.command("remove")(index_remove)
    app.add_typer(index_app, name="index")
    app.command("search")(search)
    bench.command("search")(bench_search)
