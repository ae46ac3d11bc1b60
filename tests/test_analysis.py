"""Chinese analysis: normalisation, segmentation, positions and offsets."""

from indexer.analysis import ChineseTokenizer, Segmenter
from indexer.analysis.normalize import fold


def test_fold_width_case_and_traditional_without_changing_length():
    text = "ＣＯＶＩＤ－１９疫情 國務院辦公廳 ＰＭ２.５"
    folded = fold(text)
    assert folded == "covid-19疫情 国务院办公厅 pm2.5"
    assert len(folded) == len(text)


def test_index_positions_are_sequential_over_leaves():
    seg = Segmenter()
    tokens = seg.index_tokens("中华人民共和国国务院办公厅发布通知")
    # The finest token at each position, in order, spells the text without gaps.
    finest = {}
    for term, pos, _start, _end in tokens:
        finest[pos] = term
    assert sorted(finest) == list(range(len(finest)))
    assert "".join(finest[p] for p in sorted(finest)) == "中华人民共和国国务院办公厅发布通知"
    # Compounds are stacked on the position of their first leaf.
    positions = {term: pos for term, pos, _s, _e in tokens}
    assert positions["国务院办公厅"] == positions["国务院"] == positions["国务"]


def test_offsets_point_into_the_original_text():
    text = "關於5G基站建設的ＣＯＶＩＤ－１９通知，2019年PM2.5達標"
    seg = Segmenter()
    for term, _pos, start, end in seg.index_tokens(text):
        assert fold(text[start:end]) == term
    terms = [t for t, *_ in seg.index_tokens(text)]
    for expected in ("5g", "基站", "covid", "19", "2019", "年", "通知"):
        assert expected in terms


def test_punctuation_and_stop_words_are_dropped_on_both_sides():
    seg = Segmenter()
    index_terms = [t for t, *_ in seg.index_tokens("政府的工作，和人民。")]
    assert "的" not in index_terms and "，" not in index_terms and "和" not in index_terms
    assert [w.text for w in seg.query_words("政府的工作")] == ["政府", "工作"]


def test_site_registered_at_run_time_is_one_word_in_index_and_query():
    name = "勐糯镇"
    before = Segmenter()
    assert name not in [w.text for w in before.query_words("勐糯镇召开会议")]
    seg = Segmenter([name])
    assert next(w.text for w in seg.query_words("勐糯镇召开会议")) == name
    assert (name, 0, 0, 3) in seg.index_tokens("勐糯镇召开会议")


def test_whoosh_tokenizer_index_and_query_modes():
    tokenizer = ChineseTokenizer(Segmenter())
    index_mode = [
        (t.text, t.pos, t.startchar, t.endchar)
        for t in tokenizer("住房公积金", positions=True, chars=True)
    ]
    assert ("住房公积金", 0, 0, 5) in index_mode
    assert ("住房", 0, 0, 2) in index_mode and ("公积金", 1, 2, 5) in index_mode
    assert [t.text for t in tokenizer("住房公积金提取", mode="query")] == ["住房公积金", "提取"]


def test_leaves_split_compounds_but_keep_unknown_names_whole():
    seg = Segmenter()
    assert seg.leaves("国务院办公厅") == ("国务", "院", "办公", "厅")
    assert seg.split("安装简单") == ("安装", "简单")
    assert seg.leaves("勐糯") == ("勐糯",)


def test_long_texts_fold_like_each_of_their_characters():
    # Bodies are folded as arrays of code points, titles and queries character by character:
    # both ways must give the same text, of the same length (highlights use its offsets).
    text = "國務院ＣＯＶＩＤ－１９，關於①號文件😀\ud800的通知。" * 8
    assert len(text) > 64
    folded = fold(text)
    assert folded == "".join(fold(char) for char in text)
    assert len(folded) == len(text)
    assert folded.startswith("国务院covid-19,关于1号文件😀\ud800的通知")
