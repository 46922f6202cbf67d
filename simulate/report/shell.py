"""The one page shell of both reports: its CSS, its one script, and the HTML around the sections.

plotly.js is embedded once and each chart is a JSON spec drawn by the loader, so a page makes
no network request and opens offline.
"""

from __future__ import annotations

from collections.abc import Iterable

from plotly.offline import get_plotlyjs

from .kit import esc, toc

CSS = """
:root { --ink:#1f2937; --muted:#6b7280; --line:#e5e7eb; --bg:#f8fafc; --good:#047857;
  --bad:#b91c1c; --accent:#0f4c81; }
* { box-sizing: border-box; }
body { margin:0; font-family: system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans',
  Arial, sans-serif; color:var(--ink); background:var(--bg); font-size:15px; line-height:1.45; }
main { max-width: 1180px; margin: 0 auto; padding: 0 24px 48px; }
header { padding: 28px 0 8px; }
h1 { font-size: 28px; margin: 0 0 6px; color: var(--accent); }
h2 { font-size: 21px; margin: 0 0 6px; color: var(--accent); }
h3 { font-size: 16px; margin: 18px 0 6px; }
p.lead { margin: 0 0 14px; max-width: 900px; }
nav { position: sticky; top: 0; z-index: 5; background: #fff; border-bottom: 1px solid var(--line);
  padding: 8px 24px; display:flex; flex-wrap: wrap; gap: 4px 18px; font-size: 14px; }
nav a { color: var(--accent); text-decoration: none; }
nav a:hover { text-decoration: underline; }
section { background:#fff; border:1px solid var(--line); border-radius:10px; padding: 20px 22px;
  margin: 18px 0; }
.cards { display:grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap:12px;
  margin: 10px 0 4px; }
.card { background:#fff; border:1px solid var(--line); border-top:5px solid; border-radius:8px;
  padding: 10px 14px; }
.card h3 { margin: 2px 0 4px; font-size: 15px; }
.card p { margin: 0 0 6px; font-size: 13.5px; color: #374151; }
.card .meta { color: var(--muted); font-size: 13px; margin: 0; }
.badge, small.base { display:inline-block; font-size: 11px; font-weight: 600; color:#fff;
  background: var(--muted); border-radius: 9px; padding: 1px 7px; vertical-align: middle;
  margin-left: 4px; }
.takeaways { background:#fff; border:1px solid var(--line); border-left:5px solid var(--accent);
  border-radius: 8px; padding: 12px 18px; margin-top: 14px; }
.takeaways h2 { font-size: 17px; }
.takeaways ul { margin: 6px 0 2px; padding-left: 4px; list-style: none; }
.takeaways li { margin: 5px 0; }
.swatch { display:inline-block; width: 11px; height: 11px; border-radius: 2px; margin-right: 6px;
  vertical-align: baseline; }
.note { color: var(--muted); font-size: 13.5px; margin: 2px 0 8px; }
table { border-collapse: collapse; width: 100%; margin: 10px 0 6px; font-size: 14px; }
th, td { border-bottom: 1px solid var(--line); padding: 7px 10px; text-align: left;
  vertical-align: top; }
thead th { background: #f1f5f9; font-weight: 600; font-size: 13.5px; position: sticky; top: 37px; }
tbody tr:hover { background: #f8fafc; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num .v, .n { white-space: nowrap; }
.d span { font-weight: 400; }
table.metrics thead th:not(:first-child) { text-align: right; }
table.metrics { table-layout: fixed; }
table.metrics thead th:first-child { width: 32%; }
table.metrics tbody th { font-weight: 600; }
.v { font-weight: 600; font-size: 15px; }
.ci { color: var(--muted); font-size: 12.5px; }
.d { font-size: 12.5px; color: var(--muted); }
.d.good { color: var(--good); font-weight: 600; }
.d.bad { color: var(--bad); font-weight: 600; }
td.neg { color: var(--bad); }
table.years thead th.num { text-align: right; }
table.verdicts thead th { text-align: left; }
table.verdicts td.good { color: var(--good); font-weight: 600; }
table.verdicts td.bad { color: var(--bad); font-weight: 600; }
.explain { font-weight: 400; color: var(--muted); font-size: 12.5px; margin-top: 2px; }
table.sortable th { cursor: pointer; user-select: none; }
table.sortable th::after { content: ' \\2195'; color: #9ca3af; font-size: 11px; }
table.sortable th[aria-sort=ascending]::after { content: ' \\2191'; color: var(--ink); }
table.sortable th[aria-sort=descending]::after { content: ' \\2193'; color: var(--ink); }
table.assumptions td, table.lines td { font-size: 13px; }
table.assumptions code { font-size: 12.5px; word-break: break-all; }
figure.chart { margin: 8px 0 12px; }
.two { display:grid; grid-template-columns: 1fr 1fr; gap: 18px; align-items: start; }
ul.glossary { columns: 2; font-size: 13px; color: #374151; margin: 0 0 8px; }
details summary { cursor: pointer; color: var(--accent); margin: 8px 0; }
footer { color: var(--muted); font-size: 12.5px; text-align: center; margin-top: 20px; }
@media (max-width: 900px) { .two { grid-template-columns: 1fr; } ul.glossary { columns: 1; }
  main { padding: 0 10px 32px; } section { padding: 14px 12px; overflow-x: auto; }
  table.metrics { table-layout: auto; } table.metrics thead th:first-child { width: auto; }
  th, td { padding: 6px 6px; } thead th { position: static; } }
@media print {
  body { background: #fff; font-size: 11pt; }
  nav { display: none; }
  main { max-width: none; padding: 0; }
  section { border: none; padding: 0; margin: 0 0 14pt; page-break-inside: auto; }
  figure.chart, table.metrics tr, .card { break-inside: avoid; }
  table.metrics { table-layout: auto; } table.metrics thead th:first-child { width: auto; }
  .plot { width: 100% !important; } td.num .v { font-size: 10.5pt; }
  h2 { break-after: avoid; }
  thead th { position: static; }
  details { display: block; }
  details > summary { display: none; }
  .two { grid-template-columns: 1fr; }
}
"""

LOADER = """
(function () {
  var config = {displaylogo: false, responsive: true, modeBarButtons: [['toImage']]};
  document.querySelectorAll('script[data-for]').forEach(function (node) {
    var spec = JSON.parse(node.textContent);
    var div = document.getElementById(node.getAttribute('data-for'));
    Plotly.newPlot(div, spec.data, spec.layout, config);
  });
  window.addEventListener('beforeprint', function () {
    document.querySelectorAll('.plot').forEach(function (div) { Plotly.Plots.resize(div); });
  });
  function key(cell) {
    var s = cell.getAttribute('data-sort');
    if (s !== null && s !== '') { return parseFloat(s); }
    return cell.textContent.trim().toLowerCase();
  }
  document.querySelectorAll('table.sortable').forEach(function (table) {
    table.querySelectorAll('thead th').forEach(function (th, col) {
      th.addEventListener('click', function () {
        var up = th.getAttribute('aria-sort') !== 'ascending';
        table.querySelectorAll('thead th').forEach(function (h) {
          h.removeAttribute('aria-sort');
        });
        th.setAttribute('aria-sort', up ? 'ascending' : 'descending');
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = key(a.cells[col]), y = key(b.cells[col]);
          var r = (typeof x === 'number' && typeof y === 'number') ? x - y
            : String(x).localeCompare(String(y));
          return up ? r : -r;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  });
})();
"""

TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="simulate">
<title>{title}</title>
<style>{css}</style>
</head>
<body>
<nav>{toc}</nav>
<main>
{header}
{body}
<footer>Generated by the simulate package. Self-contained: this file needs no internet
connection.</footer>
</main>
<script>{plotly}</script>
<script>{loader}</script>
</body>
</html>
"""


def document(title: str, links: Iterable[tuple[str, str]], header: str, body: str) -> str:
    """A whole page: `links` (anchor, text) make its table of contents; header and body are
    markup."""
    return TEMPLATE.format(
        title=esc(title),
        css=CSS,
        header=header,
        toc=toc(links),
        body=body,
        plotly=get_plotlyjs(),
        loader=LOADER,
    )
