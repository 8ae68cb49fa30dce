"""`loyalsheet demo`: a realistic, deterministic demo store to try everything on."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from .common import App, common_options, out_console, progress_bar
from .start import next_steps


@click.command()
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False))
@click.option("--members", type=click.IntRange(min=10), default=600, show_default=True, help="How many members / 会员数")
@click.option("--years", type=click.IntRange(min=1, max=10), default=2, show_default=True,
              help="Years of history / 历史年数")
@click.option("--seed", type=int, default=2026, show_default=True, help="Random seed: same seed, same store / 随机种子")
@click.option("--with-mistakes", is_flag=True, help="Plant a dozen typing mistakes to try `check` on / 埋入录入错误")
@click.option("--preset", type=click.Choice(["dental", "beauty", "tcm", "retail"]), default=None,
              help="A store of this trade, with its preset's settings and wording (see init --preset) / 行业预设")
@click.option("--stores", "store_count", type=click.IntRange(min=1, max=20), default=1, show_default=True,
              help="A chain of this many stores in one book (Store column) / 连锁门店数")
@common_options(day=True)
def demo(app: App, directory: Path, members: int, years: int, seed: int, with_mistakes: bool, preset: str | None,
         store_count: int, day: date | None) -> None:
    """Write a demo store (members.xlsx and config.yaml) into DIRECTORY.  生成演示门店。

    --stores 3 makes a chain of three stores in one book; --store NAME names the (first) store.
    """
    from ..demo import demo_stores, write_demo  # imported here: the generator is only needed by this command

    today = app.today(day)
    stores = demo_stores(store_count, app.store_flag)
    with progress_bar(app) as update:
        if preset is not None:
            from ..presets import load_preset
            from ..presets.demo import write_trade_demo

            book = write_trade_demo(directory, load_preset(preset), members=members, years=years, seed=seed,
                                    today=today, with_mistakes=with_mistakes, stores=stores, progress=update)
        else:
            book = write_demo(directory, members=members, years=years, seed=seed, today=today,
                              with_mistakes=with_mistakes, stores=stores, progress=update, history=True)
    console = out_console()
    config = directory / "config.yaml"
    console.print(app.t("demo.done", dir=str(directory), members=len(book.rows["members"]),
                        txns=len(book.rows["transactions"]), file=str(directory / "members.xlsx"), config=str(config)))
    if with_mistakes:
        console.print(app.t("demo.mistakes", count=len(book.mistakes), config=str(config)))
    console.print(next_steps(app.lang, directory / "members.xlsx", config, demo=True), markup=False)
