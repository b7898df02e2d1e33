"""Search finds the matter a villager means, however they type it on a touch screen."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from kiosk.guides import pinyin_index
from kiosk.guides.search import GuideSearch

DIBAO = {"dibao"}
DISABILITY_CARD = {"canjirenzheng"}
SOCIAL_CARD = {"shebaoka-zhuxiao", "shebaoka-chaxun", "shebaoka-mima", "shebaoka-qiyong"}
PENSION = {"yanglao-canbao", "yanglao-zhuxiao"}
OLD_AGE_ALLOWANCE = {"gaoling-jintie"}
TEMPORARY_RELIEF = {"linshi-jiuzhu"}
FUNERAL = {"sangzang-buzhujin"}

# (what the villager types, the guides that must come first, why it is in the table)
QUERIES = [
    ("低保", DIBAO, "everyday name in 汉字"),
    ("db", DIBAO, "pinyin initials of 低保"),
    ("dibao", DIBAO, "full pinyin of 低保"),
    ("dib", DIBAO, "full pinyin, last syllable still being typed"),
    ("dbao", DIBAO, "initial and full syllable mixed"),
    ("DIBAO", DIBAO, "caps lock on"),
    ("ｄｂ", DIBAO, "full-width letters from a Chinese keyboard"),
    ("di bao", DIBAO, "a space between syllables"),
    ("最低生活", DIBAO, "start of the official name"),
    ("zdshbz", DIBAO, "initials of the official name"),
    ("zuidishbz", DIBAO, "official name, full then initials"),
    ("营业执照", {"getihu-dengji"}, "synonym: licence → 个体工商户登记"),
    ("yyzz", {"getihu-dengji"}, "initials of 营业执照"),
    ("个体户", {"getihu-dengji"}, "short name"),
    ("gth", {"getihu-dengji"}, "initials of 个体户"),
    ("gtgshdj", {"getihu-dengji"}, "initials of the official name"),
    ("开店", {"getihu-dengji"}, "life event wording"),
    ("kaidian", {"getihu-dengji"}, "full pinyin of 开店"),
    ("残疾证", DISABILITY_CARD, "everyday name of 残疾人证"),
    ("cjz", DISABILITY_CARD, "initials of 残疾证"),
    ("canjizheng", DISABILITY_CARD, "full pinyin of 残疾证"),
    ("办残疾证", DISABILITY_CARD, "keyword with a verb"),
    ("残疾证怎么办", DISABILITY_CARD, "a whole question: matched by its pieces"),
    ("残疾人证办理", DISABILITY_CARD, "name of the merged second sample (canjirenzheng-2)"),
    ("养老", PENSION, "养老 means the pension first"),
    ("yanglao", PENSION, "full pinyin of 养老"),
    ("个人账户一次性待遇", {"yanglao-zhuxiao"}, "name of the merged second sample (yanglao-zhuxiao-2)"),
    ("医保", {"yibao-canbao"}, "short name of medical insurance"),
    ("yb", {"yibao-canbao"}, "initials of 医保"),
    ("新农合", {"yibao-canbao"}, "old name villagers still use"),
    ("yiliaobaoxian", {"yibao-canbao"}, "full pinyin of 医疗保险"),
    ("社保卡", SOCIAL_CARD, "short name of 社会保障卡"),
    ("sbk", SOCIAL_CARD, "initials of 社保卡"),
    ("sbkmm", {"shebaoka-mima"}, "initials of 社保卡密码"),
    ("忘记密码", {"shebaoka-mima"}, "the problem, not the matter"),
    ("jihuo", {"shebaoka-qiyong"}, "激活 for 启用"),
    ("宅基地", {"zhaijidi"}, "汉字"),
    ("zjd", {"zhaijidi"}, "initials of 宅基地"),
    ("盖房子", {"zhaijidi"}, "what the villager wants to do"),
    ("准生证", {"shengyu-dengji"}, "old name of 生育登记"),
    ("zsz", {"shengyu-dengji"}, "initials of 准生证"),
    ("shengyu", {"shengyu-dengji"}, "full pinyin"),
    ("五保", {"tekun-gongyang"}, "old name of 特困供养"),
    ("wubao", {"tekun-gongyang"}, "full pinyin of 五保"),
    ("lsjz", TEMPORARY_RELIEF, "initials of 临时救助"),
    ("gljt", OLD_AGE_ALLOWANCE, "initials of 高龄津贴"),
    ("长寿补贴", OLD_AGE_ALLOWANCE, "local name of 高龄津贴"),
    ("changshou", OLD_AGE_ALLOWANCE, "多音字 长 read chang in 长寿"),
    ("zhangshou", OLD_AGE_ALLOWANCE, "多音字 长 misread zhang"),
    ("高龄津贴申领", OLD_AGE_ALLOWANCE, "name of the merged second sample (gaoling-jintie-2)"),
    ("zhongdu", {"canji-liangxiang-butie"}, "多音字 重 read zhong in 重度"),
    ("chongdu", {"canji-liangxiang-butie"}, "多音字 重 misread chong"),
    ("hulibutie", {"canji-liangxiang-butie"}, "full pinyin of 护理补贴"),
    ("canbao", {"yanglao-canbao", "yibao-canbao"}, "多音字 参 read can in 参保"),
    ("shenbao", {"yanglao-canbao", "yibao-canbao"}, "多音字 参 misread shen"),
    ("老人去世", FUNERAL, "the event, not the benefit's name"),
    ("szbz", FUNERAL, "initials of 丧葬补助"),
    ("城乡居民基本养老保险丧葬补助金申领", FUNERAL, "name of the merged second sample (sangzang-buzhujin-2)"),
    ("jycyz", {"jiuye-chuangye-zheng"}, "initials of 就业创业证"),
    ("失业证", {"jiuye-chuangye-zheng"}, "old name"),
    ("jydj", {"jiuye-dengji"}, "initials of 就业登记"),
    ("sbj", SOCIAL_CARD, "typo: j pressed for the k beside it"),
    ("gljy", OLD_AGE_ALLOWANCE, "typo: y pressed for the t beside it"),
    ("dibso", DIBAO, "typo in full pinyin"),
    ("shebaoke", SOCIAL_CARD, "typo: ke for ka"),
    ("低保户", DIBAO, "the household, not the benefit: a material mentions 低保户 too"),
    ("养老金", PENSION, "what the pension is called: a material mentions 养老金 too"),
]


@pytest.fixture(scope="module")
def search(shipped_catalogue, tmp_path_factory):
    return GuideSearch(shipped_catalogue, cache_dir=tmp_path_factory.mktemp("pinyin-cache"), in_process=True)


def test_the_query_table_is_big_enough():
    assert len(QUERIES) >= 40
    assert len({q for q, _, _ in QUERIES}) == len(QUERIES)


@pytest.mark.parametrize("query,expected,why", QUERIES, ids=[q for q, _, _ in QUERIES])
def test_search_puts_the_right_matter_first(search, query, expected, why):
    hits = search.search(query)
    assert hits, f"nothing found for {query!r} ({why})"
    # Every guide of the expected group outranks everything else.
    top = [h.guide.id for h in hits[: len(expected)]]
    assert hits[0].guide.id in expected, f"{query!r} ({why}): got {top}"
    assert all(h.score > 0 for h in hits)


def test_results_are_ranked_best_first(search):
    hits = search.search("低保")
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    # The 低保 guide first, then guides that only mention 低保 in their materials.
    assert hits[0].guide.id == "dibao" and len(hits) > 1
    assert all(h.score < hits[0].score for h in hits[1:])
    assert hits[0].matched_on == "低保" and hits[0].how == "汉字"


def test_a_search_says_what_matched_and_how(search):
    [first, *_] = search.search("chongdu")
    assert first.matched_on == "重度残疾" and first.how == "多音字"
    assert search.search("db")[0].how == "首字母"
    assert search.search("dibao")[0].how == "全拼"
    assert search.search("dbao")[0].how == "混拼"
    assert search.search("sbj")[0].how == "近似"


def test_materials_are_searchable_but_rank_below_names(search):
    hits = search.search("户口簿")
    assert len(hits) >= 3
    for hit in hits:
        assert any("户口簿" in m.name for m in hit.guide.materials), hit.guide.id
    assert search.search("身份证")[0].score < search.search("低保")[0].score


def test_nonsense_and_empty_queries_find_nothing(search):
    assert search.search("") == []
    assert search.search("   ") == []
    assert search.search("qqqxz") == []
    assert search.search("火星移民") == []


def test_limit_caps_the_results(search):
    assert len(search.search("d", limit=1)) == 1
    assert len(search.search("民政", limit=3)) == 3
    everything = search.search("民政", limit=None)
    # The four 民政 matters and nothing else: the 丧葬补助金 guide's materials no longer
    # name the department that issues the death certificate (民政部门 in one sample only).
    assert {h.guide.department for h in everything} == {"民政"} and len(everything) == 4


def test_every_shipped_guide_is_found_by_its_own_name_and_initials(search, shipped_catalogue):
    for guide in shipped_catalogue:
        assert guide.id in [h.guide.id for h in search.search(guide.name, limit=5)], guide.name
    for guide in shipped_catalogue:
        initials = search._terms[[t.text for t in search._terms].index(guide.name)].initials
        assert guide.id in [h.guide.id for h in search.search(initials, limit=10)], (guide.name, initials)


def test_initials_keypad_suggestions(search):
    assert search.suggest("db")[0] == "低保"
    assert all(s.startswith("社保卡") for s in search.suggest("sbk"))
    assert "残疾证" in search.suggest("cj")
    assert "营业执照" in search.suggest("yy")
    assert search.suggest("zhai") == ["宅基地", "宅基地审批"]
    assert len(search.suggest("s", limit=5)) == 5
    assert search.suggest("") == [] and search.suggest("低") == []


# --- the pinyin index stays out of the kiosk process -------------------------------

def test_readings_are_cached_and_reused_without_pypinyin(shipped_catalogue, tmp_path, monkeypatch):
    GuideSearch(shipped_catalogue, cache_dir=tmp_path, in_process=True)
    [cache_file] = tmp_path.glob("guide-pinyin-*.json")
    readings = json.loads(cache_file.read_text(encoding="utf-8"))
    assert readings["重度残疾"][0] == ["zhong", "chong", "tong"]
    assert readings["长寿补贴"][0][0] == "chang"  # the phrase reading comes first

    def refuse(texts):
        raise AssertionError("readings recomputed although the cache file is there")

    monkeypatch.setattr(pinyin_index, "compute_readings", refuse)
    again = GuideSearch(shipped_catalogue, cache_dir=tmp_path, in_process=True)
    assert again.search("db")[0].guide.id in DIBAO


def test_kiosk_process_never_imports_pypinyin(shipped_catalogue, tmp_path):
    # Default mode: missing readings are computed in a child process; the kiosk's own
    # process searches from the cache file without loading pypinyin (0.4 s, 57 MB).
    script = (
        "import sys, pathlib\n"
        "from kiosk.guides.catalogue import load_catalogue\n"
        "from kiosk.guides.search import GuideSearch\n"
        f"s = GuideSearch(load_catalogue(), cache_dir=pathlib.Path({str(tmp_path)!r}))\n"
        "print(s.search('zjd')[0].guide.id, 'pypinyin' in sys.modules)\n"
    )
    first = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    assert first.stdout.split() == ["zhaijidi", "False"]
    assert len(list(tmp_path.glob("guide-pinyin-*.json"))) == 1


def test_a_changed_catalogue_gets_a_new_index(shipped_copy, tmp_path):
    from kiosk.guides.catalogue import load_catalogue

    GuideSearch(load_catalogue(shipped_copy), cache_dir=tmp_path, in_process=True)
    [old] = tmp_path.glob("guide-pinyin-*.json")
    path = shipped_copy / "zhaijidi.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('"批地"', '"批地", "盖新房"'), encoding="utf-8")
    search = GuideSearch(load_catalogue(shipped_copy), cache_dir=tmp_path, in_process=True)
    [new] = tmp_path.glob("guide-pinyin-*.json")
    assert new != old  # rebuilt and the stale one removed
    assert search.search("gxf")[0].guide.id == "zhaijidi"


def test_the_kiosk_opens_the_guides_despite_a_broken_file(shipped_copy, data_dir):
    from kiosk.services.guides import GuideService

    (shipped_copy / "zhaijidi.toml").write_text('name = "宅基地"\n', encoding="utf-8")
    guides = GuideService(data_dir / "cache", shipped_copy)
    catalogue, search = guides.catalogue(), guides.search()
    assert len(catalogue) == 18 and catalogue.problems[0].key == "department"
    assert [h.guide.id for h in search.search("低保")][:1] == ["dibao"]
    assert list((data_dir / "cache").glob("guide-pinyin-*.json"))


# --- a broken pinyin child or data directory costs pinyin search, never the kiosk ----

@pytest.mark.parametrize("python", ["/nonexistent/python3", "/bin/false"], ids=["no python", "child fails"])
def test_the_guides_open_when_the_pinyin_child_cannot_run(shipped_catalogue, tmp_path, monkeypatch, python):
    # GIVEN a kiosk whose interpreter cannot be started again as a child
    monkeypatch.setattr(pinyin_index.sys, "executable", python)
    # WHEN the search is built the kiosk's way (child process, cache under the data dir)
    search = GuideSearch(shipped_catalogue, cache_dir=tmp_path)
    # THEN it searches anyway: the readings were worked out in this process instead
    assert search.search("低保")[0].guide.id in DIBAO
    assert search.search("db")[0].guide.id in DIBAO


def test_without_pypinyin_either_hanzi_search_still_works(shipped_catalogue, tmp_path, monkeypatch):
    monkeypatch.setattr(pinyin_index.sys, "executable", "/nonexistent/python3")

    def no_pypinyin(texts):
        raise ImportError("No module named 'pypinyin'")

    monkeypatch.setattr(pinyin_index, "compute_readings", no_pypinyin)
    search = GuideSearch(shipped_catalogue, cache_dir=tmp_path)
    assert search.search("低保")[0].guide.id in DIBAO
    assert search.search("db") == []  # no readings: pinyin finds nothing, but nothing breaks
    # Nothing cached, so the next start tries again for the readings.
    assert list(tmp_path.glob("guide-pinyin-*.json")) == []


def test_an_unwritable_cache_dir_only_costs_the_cache(shipped_catalogue, tmp_path):
    blocker = tmp_path / "data"
    blocker.write_text("a file where the data directory should be", encoding="utf-8")
    search = GuideSearch(shipped_catalogue, cache_dir=blocker / "cache", in_process=True)
    assert search.search("zjd")[0].guide.id == "zhaijidi"


def test_the_benchmark_catalogue_has_a_real_catalogues_variety_of_details(shipped_catalogue):
    # bench/guides_bench.py times search on 1,000 matters; if the generated ones reuse the
    # shipped materials word for word, the index folds them into a few dozen texts and the
    # 汉字 search over materials is timed on a catalogue far smaller than claimed.
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "bench" / "guides_bench.py"
    spec = importlib.util.spec_from_file_location("guides_bench", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    catalogue = bench.generated_catalogue(shipped_catalogue, 300)
    details = {t for g in catalogue.guides for t in GuideSearch._detail_texts(g)}
    shipped = {t for g in shipped_catalogue.guides for t in GuideSearch._detail_texts(g)}
    assert len(details) > 4 * len(shipped)


def test_a_full_disk_leaves_no_half_written_pinyin_cache_behind(shipped_catalogue, tmp_path, monkeypatch):
    import errno

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    # GIVEN a data disk that fills up while the cache file is being written
    monkeypatch.setattr(pinyin_index.json, "dump", disk_full)
    # WHEN the search is built
    search = GuideSearch(shipped_catalogue, cache_dir=tmp_path, in_process=True)
    # THEN search works and no temporary file is left to fill the disk further at each start
    assert search.search("db")[0].guide.id in DIBAO
    assert list(tmp_path.iterdir()) == []
