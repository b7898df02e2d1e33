"""Reports of the hall's figures (kiosk.stats): tables, charts, CSV/XLSX/HTML, the county view.

Everything here works on a period's figures as a plain dict (HallFigures.as_dict(),
which is also what `kiosk report export` writes), so a hall's own report and the
county's merge of many halls' exports share one code path.
"""
