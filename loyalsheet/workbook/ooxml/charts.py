"""Drawing and chart parts: a native chart (:class:`ChartPlan`) as a ``c:chartSpace`` part, the drawing
that anchors an owned sheet's charts, and the drawing's relationships.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .cells import number_text, plain_text
from .parts import NS_A, NS_C, NS_PKG_REL, NS_R, NS_XDR, REL_CHART, XML_DECLARATION


@dataclass(frozen=True)
class ChartPlan:
    """A chart ready to serialise: kind, titles, absolute ranges and the cached values they hold."""

    kind: str
    title: str
    categories: str | None
    category_cache: Sequence[object]
    series: Sequence[tuple[str | None, str, Sequence[object]]]  # (title, values formula, cached values)
    anchor: tuple[int, int, int, int]  # from row, from col, to row, to col (0-based)
    x_title: str | None
    y_title: str | None
    labels: bool = False  # values on the bars, slices or points (a pie: and percentages)
    value_format: str = "General"  # of the value axis and the labels, e.g. "#,##0"
    colors: Sequence[str] = ()  # one fill per point (category), e.g. tiers in their colours


def _labels(plan: ChartPlan) -> str:
    if not plan.labels:
        return ""
    pie = plan.kind == "pie"
    # (a pie's percentages would take the values' format too: its values keep their own)
    number = "" if pie else f'<c:numFmt formatCode="{plain_text(plan.value_format)}" sourceLinked="0"/>'
    return (f"<c:dLbls>{number}"
            '<c:spPr><a:noFill/><a:ln><a:noFill/></a:ln></c:spPr>'
            + ('<c:dLblPos val="outEnd"/>' if plan.kind in ("bar", "column") else "")
            + f'<c:showLegendKey val="0"/><c:showVal val="1"/><c:showCatName val="0"/><c:showSerName val="0"/>'
            f'<c:showPercent val="{1 if pie else 0}"/><c:showBubbleSize val="0"/>'
            + ('<c:separator>\n</c:separator><c:showLeaderLines val="1"/>' if pie else "")
            + "</c:dLbls>")


def _rich(text: str) -> str:
    return (
        "<c:title><c:tx><c:rich><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr/></a:pPr>"
        f"<a:r><a:t>{plain_text(text)}</a:t></a:r></a:p></c:rich></c:tx><c:overlay val=\"0\"/></c:title>"
    )


def _is_number(v: object) -> bool:
    return isinstance(v, int | float | Decimal) and not isinstance(v, bool) and number_text(v) is not None


def _cache(values: Sequence[object], numeric: bool) -> str:
    pts = []
    for i, v in enumerate(values):
        if numeric:
            if _is_number(v):
                pts.append(f'<c:pt idx="{i}"><c:v>{number_text(v)}</c:v></c:pt>')  # type: ignore[arg-type]
        elif v is not None and v != "":
            text = v.isoformat() if isinstance(v, date) else str(v)
            pts.append(f'<c:pt idx="{i}"><c:v>{plain_text(text)}</c:v></c:pt>')
    count = f'<c:ptCount val="{len(values)}"/>'
    if numeric:
        return f"<c:numCache><c:formatCode>General</c:formatCode>{count}{''.join(pts)}</c:numCache>"
    return f"<c:strCache>{count}{''.join(pts)}</c:strCache>"


def _ref(formula: str, values: Sequence[object], numeric: bool) -> str:
    kind = "numRef" if numeric else "strRef"
    return f"<c:{kind}><c:f>{plain_text(formula)}</c:f>{_cache(values, numeric)}</c:{kind}>"


# Office's default palette; written out because LibreOffice draws series without one unfilled
PALETTE = ("4472C4", "ED7D31", "A5A5A5", "FFC000", "5B9BD5", "70AD47", "264478", "9E480E", "636363", "997300")


def _fill(i: int, colors: Sequence[str] = ()) -> str:
    color = colors[i % len(colors)] if colors else PALETTE[i % len(PALETTE)]
    return f'<a:solidFill><a:srgbClr val="{plain_text(color)}"/></a:solidFill>'


def chart_xml(plan: ChartPlan) -> bytes:
    """A ``c:chartSpace`` part for a bar, column, line or pie chart."""
    sers = []
    numeric_cats = bool(plan.category_cache) and all(_is_number(v) for v in plan.category_cache)
    for i, (title, formula, values) in enumerate(plan.series):
        parts = [f'<c:ser><c:idx val="{i}"/><c:order val="{i}"/>']
        if title:
            parts.append(f"<c:tx><c:v>{plain_text(title)}</c:v></c:tx>")
        if plan.kind in ("bar", "column"):
            parts.append(f'<c:spPr>{_fill(i)}</c:spPr><c:invertIfNegative val="0"/>')
            for p in range(len(values) if plan.colors and len(plan.series) == 1 else 0):
                parts.append(f'<c:dPt><c:idx val="{p}"/><c:invertIfNegative val="0"/><c:bubble3D val="0"/>'
                             f'<c:spPr>{_fill(p, plan.colors)}</c:spPr></c:dPt>')
        elif plan.kind == "line":
            parts.append(f'<c:spPr><a:ln w="28575" cap="rnd">{_fill(i)}<a:round/></a:ln></c:spPr>'
                         f'<c:marker><c:symbol val="circle"/><c:size val="5"/><c:spPr>{_fill(i)}</c:spPr></c:marker>')
        else:
            parts.append('<c:spPr><a:ln w="12700"><a:solidFill><a:srgbClr val="FFFFFF"/></a:solidFill></a:ln></c:spPr>')
            for p in range(len(values)):
                parts.append(f'<c:dPt><c:idx val="{p}"/><c:bubble3D val="0"/>'
                             f'<c:spPr>{_fill(p, plan.colors)}</c:spPr></c:dPt>')
        parts.append(_labels(plan))
        if plan.categories:
            parts.append(f"<c:cat>{_ref(plan.categories, plan.category_cache, numeric_cats)}</c:cat>")
        parts.append(f"<c:val>{_ref(formula, values, True)}</c:val>")
        if plan.kind == "line":
            parts.append('<c:smooth val="0"/>')
        parts.append("</c:ser>")
        sers.append("".join(parts))
    body = "".join(sers)
    axes = ""
    if plan.kind == "pie":
        plot = f'<c:pieChart><c:varyColors val="1"/>{body}<c:firstSliceAng val="0"/></c:pieChart>'
    else:
        if plan.kind == "line":
            plot = (f'<c:lineChart><c:grouping val="standard"/><c:varyColors val="0"/>{body}'
                    '<c:marker val="1"/><c:axId val="500000001"/><c:axId val="500000002"/></c:lineChart>')
        else:
            bar_dir = "bar" if plan.kind == "bar" else "col"
            plot = (f'<c:barChart><c:barDir val="{bar_dir}"/><c:grouping val="clustered"/><c:varyColors val="0"/>'
                    f'{body}<c:gapWidth val="150"/><c:axId val="500000001"/><c:axId val="500000002"/></c:barChart>')
        cat_pos, val_pos = ("l", "b") if plan.kind == "bar" else ("b", "l")
        axes = (
            f'<c:catAx><c:axId val="500000001"/><c:scaling><c:orientation val="minMax"/></c:scaling>'
            f'<c:delete val="0"/><c:axPos val="{cat_pos}"/>'
            + (_rich(plan.x_title) if plan.x_title else "")
            + '<c:numFmt formatCode="General" sourceLinked="1"/><c:majorTickMark val="out"/>'
            '<c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/><c:crossAx val="500000002"/>'
            '<c:crosses val="autoZero"/><c:auto val="1"/><c:lblAlgn val="ctr"/><c:lblOffset val="100"/>'
            '<c:noMultiLvlLbl val="0"/></c:catAx>'
            f'<c:valAx><c:axId val="500000002"/><c:scaling><c:orientation val="minMax"/></c:scaling>'
            f'<c:delete val="0"/><c:axPos val="{val_pos}"/><c:majorGridlines/>'
            + (_rich(plan.y_title) if plan.y_title else "")
            + f'<c:numFmt formatCode="{plain_text(plan.value_format)}" sourceLinked="0"/><c:majorTickMark val="out"/>'
            '<c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/><c:crossAx val="500000001"/>'
            '<c:crosses val="autoZero"/><c:crossBetween val="between"/></c:valAx>'
        )
    legend = ""
    if plan.kind == "pie" or len(plan.series) > 1:
        legend = '<c:legend><c:legendPos val="r"/><c:overlay val="0"/></c:legend>'
    xml = (
        XML_DECLARATION
        + f'<c:chartSpace xmlns:c="{NS_C}" xmlns:a="{NS_A}" xmlns:r="{NS_R}">'
        '<c:roundedCorners val="0"/><c:chart>'
        + (_rich(plan.title) if plan.title else "")
        + f'<c:autoTitleDeleted val="{0 if plan.title else 1}"/>'
        f"<c:plotArea><c:layout/>{plot}{axes}</c:plotArea>{legend}"
        '<c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/></c:chart></c:chartSpace>'
    )
    return xml.encode("utf-8")


def drawing_xml(anchors: Sequence[tuple[tuple[int, int, int, int], str, str]]) -> bytes:
    """A drawing part holding one graphic frame per chart: ((from row, from col, to row, to col), rId, name)."""
    frames = []
    for n, ((r1, c1, r2, c2), rid, name) in enumerate(anchors, start=2):
        frames.append(
            '<xdr:twoCellAnchor editAs="oneCell">'
            f"<xdr:from><xdr:col>{c1}</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>{r1}</xdr:row>"
            "<xdr:rowOff>0</xdr:rowOff></xdr:from>"
            f"<xdr:to><xdr:col>{c2}</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>{r2}</xdr:row>"
            "<xdr:rowOff>0</xdr:rowOff></xdr:to>"
            f'<xdr:graphicFrame macro=""><xdr:nvGraphicFramePr><xdr:cNvPr id="{n}" name="{plain_text(name)}"/>'
            "<xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr>"
            '<xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/></xdr:xfrm>'
            f'<a:graphic><a:graphicData uri="{NS_C}"><c:chart xmlns:c="{NS_C}" r:id="{rid}"/>'
            "</a:graphicData></a:graphic></xdr:graphicFrame><xdr:clientData/></xdr:twoCellAnchor>"
        )
    return (
        XML_DECLARATION
        + f'<xdr:wsDr xmlns:xdr="{NS_XDR}" xmlns:a="{NS_A}" xmlns:r="{NS_R}">'
        + "".join(frames)
        + "</xdr:wsDr>"
    ).encode("utf-8")


def drawing_rels_xml(charts: Sequence[tuple[str, str]]) -> bytes:
    rels = "".join(
        f'<Relationship Id="{rid}" Type="{REL_CHART}" Target="{plain_text(target)}"/>' for rid, target in charts
    )
    return (XML_DECLARATION + f'<Relationships xmlns="{NS_PKG_REL}">{rels}</Relationships>').encode()
