"""`kiosk guides import`: the hall's own 事项清单 (CSV) → matter files in the hall's folder."""

from __future__ import annotations

import csv
import shutil
import tomllib
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.config import default_config_path, load_settings
from kiosk.guides import labels_zh as zh
from kiosk.guides.catalogue import load_catalogue
from kiosk.guides.hall_folder import prepare_hall_matters

COLUMNS = ["序号", "事项名称", "事项类型", "主管部门", "设定依据", "法定时限", "承诺时限", "申请材料", "办理流程", "收费标准",
           "咨询电话"]
DIBAO_ROW = ["1", "最低生活保障", "行政给付", "民政", "《社会救助暂行办法》（国务院令第649号）\n《最低生活保障审核确认办法》",
             "30个工作日", "20", "1、最低生活保障申请书\n2、居民身份证\n3、户口簿\n4、家庭经济状况核对授权书",
             "申请→受理→审核确认→公示→发放", "不收费", "0356-7012345"]
GAOLING_ROW = ["2", "高龄津贴发放", "行政给付", "民政", "", "", "即办", "居民身份证；户口簿", "", "免费", ""]


@pytest.fixture
def hall(tmp_path):
    """A hall with its own settings file and its seeded matters folder."""
    folder = tmp_path / "hall"
    folder.mkdir()
    toml = folder / "hall.toml"
    shutil.copy(default_config_path(), toml)
    return toml, prepare_hall_matters(load_settings(toml))


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8-sig") -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows([COLUMNS, *rows])
    return path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_import_writes_confirmed_guides_into_the_halls_folder(hall, tmp_path, capsys):
    toml, folder = hall
    sheet = write_csv(tmp_path / "清单.csv", [DIBAO_ROW, GAOLING_ROW])
    # WHEN staff import the hall's own list
    code, out, _ = run(capsys, "--config", str(toml), "guides", "import", str(sheet))
    # THEN both matters are written into the hall's folder and load as the kiosk loads them
    assert code == 0, out
    assert f"imported 2 matters into {folder}" in out
    catalogue = load_catalogue(folder)
    # The existing 低保 sample keeps its id and the kiosk's search words; its text is the hall's now.
    dibao = catalogue.get("dibao")
    assert dibao.name == "最低生活保障" and "吃低保" in dibao.keywords
    assert [m.name for m in dibao.materials] == ["最低生活保障申请书", "居民身份证", "户口簿", "家庭经济状况核对授权书"]
    assert dibao.process == ("申请", "受理", "审核确认", "公示", "发放")
    assert (dibao.time_limit.statutory_working_days, dibao.time_limit.promised_working_days) == (30, 20)
    assert [b.kind for b in dibao.legal_basis] == ["设定依据", "设定依据"]
    assert dibao.fee.charged is False and dibao.contact_phone == "0356-7012345"
    assert not dibao.is_sample and dibao.provenance.source_jurisdiction.startswith("沁水县嘉峰镇")
    # A new matter gets a stable id from its name's pinyin.
    [new] = [g for g in catalogue if g.name == "高龄津贴发放"]
    assert new.id == "gaolingjintiefafang" and new.time_limit.promised_working_days == 0
    # AND citizens see the hall's source, not 示例内容
    code, shown, _ = run(capsys, "--config", str(toml), "guides", "show", "dibao")
    assert "示例内容" not in shown and zh.SAMPLE_BANNER not in shown
    assert "信息来源：沁水县嘉峰镇" in shown
    assert run(capsys, "--config", str(toml), "guides", "check")[0] == 0


def test_importing_again_replaces_the_text_under_the_same_ids(hall, tmp_path, capsys):
    toml, folder = hall
    sheet = write_csv(tmp_path / "清单.csv", [DIBAO_ROW, GAOLING_ROW])
    assert run(capsys, "--config", str(toml), "guides", "import", str(sheet))[0] == 0
    files = sorted(p.name for p in folder.glob("*.toml"))
    changed = [*DIBAO_ROW[:6], "15", *DIBAO_ROW[7:]]
    assert run(capsys, "--config", str(toml), "guides", "import", str(write_csv(sheet, [changed, GAOLING_ROW])))[0] == 0
    assert sorted(p.name for p in folder.glob("*.toml")) == files
    assert load_catalogue(folder).get("dibao").time_limit.promised_working_days == 15


def test_bad_rows_are_refused_by_row_and_column_and_nothing_is_written(hall, tmp_path, capsys):
    toml, folder = hall
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    wrong_type = [*GAOLING_ROW[:2], "行政审批", *GAOLING_ROW[3:]]
    too_slow = ["3", "临时救助", "行政给付", "民政", "", "5个工作日", "10个工作日", "", "", "", ""]
    no_department = ["4", "残疾人证", "", "", "", "", "", "", "", "", ""]
    bad_phone = ["5", "社保卡注销", "公共服务", "社保", "", "", "", "", "", "", "打电话问"]
    duplicate = DIBAO_ROW
    sheet = write_csv(tmp_path / "清单.csv", [DIBAO_ROW, wrong_type, too_slow, no_department, bad_phone, duplicate])
    code, out, _ = run(capsys, "--config", str(toml), "guides", "import", str(sheet))
    assert code == 1
    assert "第3行「事项类型」：“行政审批”不是国家规定的事项类型" in out
    assert "row 3, column 事项类型" in out
    assert "第4行「承诺时限」：the promised time limit is longer than the statutory one" in out
    assert "第5行「主管部门」：不能为空 / row 5, column 主管部门: must not be empty" in out
    assert "第6行「咨询电话」" in out and "row 6, column 咨询电话: '打电话问' is not a phone number" in out
    assert "第7行「事项名称」：与第2行重复" in out
    assert "未导入任何事项" in out and "nothing imported" in out
    # The hall's folder is exactly as it was: a half-imported list is never left behind.
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_a_gbk_csv_from_excel_is_read(hall, tmp_path, capsys):
    toml, folder = hall
    sheet = write_csv(tmp_path / "清单.csv", [GAOLING_ROW], encoding="gbk")
    assert run(capsys, "--config", str(toml), "guides", "import", str(sheet), "--dry-run")[0] == 0
    assert not (folder / "gaolingjintiefafang.toml").exists()  # dry run


def test_a_sheet_without_the_required_columns_says_which(hall, tmp_path, capsys):
    toml, _ = hall
    sheet = tmp_path / "list.csv"
    sheet.write_text("名称,部门\n低保,民政\n", encoding="utf-8")
    code, _, err = run(capsys, "--config", str(toml), "guides", "import", str(sheet))
    assert code == 1
    assert "缺少：事项名称、主管部门" in err and "missing: 事项名称, 主管部门" in err


def test_xlsx_without_openpyxl_asks_for_csv(hall, tmp_path, capsys):
    pytest.importorskip("kiosk")  # always there; the real condition is below
    try:
        import openpyxl  # noqa: F401
        pytest.skip("openpyxl is installed: .xlsx is read directly")
    except ImportError:
        pass
    toml, _ = hall
    sheet = tmp_path / "清单.xlsx"
    sheet.write_bytes(b"PK\x03\x04")
    code, _, err = run(capsys, "--config", str(toml), "guides", "import", str(sheet))
    assert code == 1 and "另存为 CSV UTF-8" in err and "save the sheet as CSV" in err


def test_imported_files_say_where_they_came_from(hall, tmp_path, capsys):
    toml, folder = hall
    sheet = write_csv(tmp_path / "清单.csv", [GAOLING_ROW])
    run(capsys, "--config", str(toml), "guides", "import", str(sheet))
    text = (folder / "gaolingjintiefafang.toml").read_text(encoding="utf-8")
    assert text.startswith("# 办事指南") and "清单.csv, row 2" in text
    raw = tomllib.loads(text)
    assert raw["provenance"]["sample"] is False and raw["provenance"]["notes"] == "由 kiosk guides import 从 清单.csv 第2行导入"
