"""The known-item set of the relevance benchmark (bench/known_items.py), on a small made-up
corpus: each form says what it claims, the splits never share a target, a seed gives the same
set again. The benchmark itself runs on ../shared/corpus; this needs none of it."""

from itertools import combinations

import pytest
from pypinyin import lazy_pinyin

from bench.known_items import MAX_HOLDING, KnownItemGenerator, split_of
from bench.queries import Doc

WORDS = ("森林", "防火", "乡村", "振兴", "营商", "环境", "义务", "教育", "医疗", "保险", "水利")
# Characters that sound like the title words' characters, so that typos have homophones.
SOUNDS = "临伙香星赢静意玉聊显税"


@pytest.fixture(scope="module")
def docs() -> list[Doc]:
    files = ("a.jsonl", "b.jsonl", "c.jsonl")
    return [
        Doc(f"doc-{i}", "".join(trio) + "工作", f"正文{SOUNDS}。", files[i % 3])
        for i, trio in enumerate(combinations(WORDS, 3))
    ]


@pytest.fixture(scope="module")
def generator(docs) -> KnownItemGenerator:
    return KnownItemGenerator(docs)


def test_each_form_is_what_it_says(generator, docs):
    known = generator.generate("dev", 30)
    assert len(known.targets) == 30
    by_id = {d.id: d for d in docs}
    for target in known.targets:
        forms = {q.form: q.text for q in known.queries if q.target == target.id}
        plain = forms["plain"]
        assert plain == "".join(target.words) and 4 <= len(plain) <= 8
        assert all(word in by_id[target.id].title for word in target.words)
        assert target.holding <= MAX_HOLDING
        typo = forms["typo"]
        changed = [k for k in range(len(plain)) if typo[k] != plain[k]]
        assert len(typo) == len(plain) and len(changed) == 1
        k = changed[0]
        assert lazy_pinyin(typo[k]) == [lazy_pinyin("".join(target.words))[k]]
        assert forms.get("traditional", "") != plain
        spaced = forms["pinyin"].split(" ")
        assert len(spaced) == len(target.words) and forms["pinyin_joined"] == "".join(spaced)
        assert len(forms["initials"]) == len(plain) and forms["initials"].isalpha()


def test_relevant_documents_are_the_target_and_its_exact_title_twins(docs):
    twin = Doc("twin", docs[0].title, "另一个版本", "b.jsonl")
    known = KnownItemGenerator([*docs, twin]).generate("dev", 200)
    for target in known.targets:
        same = sorted(d.id for d in [*docs, twin] if d.title == target.title)
        assert list(target.relevant) == same


def test_splits_never_share_a_target_and_a_seed_repeats_its_set(generator):
    dev, test = generator.generate("dev", 40), generator.generate("test", 40)
    assert {t.id for t in dev.targets}.isdisjoint(t.id for t in test.targets)
    assert all(split_of(t.id) == "dev" for t in dev.targets)
    assert [q.text for q in generator.generate("dev", 40).queries] == [q.text for q in dev.queries]


def test_targets_come_from_every_file_evenly(generator):
    files = [t.file for t in generator.generate("dev", 30).targets]
    assert {files.count(f) for f in ("a.jsonl", "b.jsonl", "c.jsonl")} == {10}
