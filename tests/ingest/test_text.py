"""Vietnamese text handling: normal forms, matching keys and the sentence splitter."""

from __future__ import annotations

import gzip
import itertools
import json
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from qa.ingest.corpus import load_articles
from qa.ingest.text import (
    canonical_tone,
    clean_article_text,
    fold_accents,
    folded_tokens,
    match_tokens,
    sentence_spans,
    sentences,
)


def test_both_tone_mark_conventions_share_one_key():
    pairs = [("hòa", "hoà"), ("thủy", "thuỷ"), ("khỏe", "khoẻ"), ("Ủy", "uỷ"), ("tỏa", "toả"), ("hóa", "hoá")]
    for old, new in pairs:
        assert canonical_tone(old) == canonical_tone(new)


def test_tone_key_leaves_other_syllables_alone():
    for word in ["người", "tướng", "trưởng", "hoàng", "ngoài", "giữ", "quốc", "gì", "chủ", "trì"]:
        assert canonical_tone(word) == word


def test_decomposed_input_gives_the_same_tokens():
    text = "Thiếu tướng Đỗ Triệu Phong chủ trì Hội nghị"
    assert match_tokens(unicodedata.normalize("NFD", text)) == match_tokens(text)


def test_accent_folding_matches_typing_without_marks():
    assert fold_accents("Đỗ Triệu Phong chủ trì") == "Do Trieu Phong chu tri"
    assert folded_tokens("Hội nghị tổ chức ở đâu?") == ["hoi", "nghi", "to", "chuc", "o", "dau"]


def test_clean_text_collapses_blank_lines_and_keeps_paragraphs():
    raw = "Dòng một.  \r\n\r\n\r\n\r\nDòng\u00a0hai.\u200b\n"
    assert clean_article_text(raw) == "Dòng một.\n\nDòng hai."


# The seed articles split as a Vietnamese reader splits them: each entry is how one sentence
# begins, in order (read off the article by hand).
SEED_000_STARTS = [
    "Chiều 6.5, Cục Truyền thông", "Trung tướng Mai Văn Hà, Cục trưởng", "Trước đó, hồi tháng 9",
    "Cục Truyền thông CAND đánh giá", "8 cơ quan báo chí đã phối hợp", "Tại buổi gặp mặt, đại diện lãnh đạo",
    "Theo thiếu tướng Lê Xuân Đức", "Các nhiệm vụ này gồm", "“Tất cả các lĩnh vực", "Trên quan điểm của lãnh đạo",
    "Đại tá Phùng Đức Thắng", "“Báo chí cần thông tin rõ", "Đây đồng thời cũng là", "Tại buổi gặp mặt, đại diện nhiều",
    "Trung tướng Mai Văn Hà, Cục trưởng Cục Truyền thông CAND, cho biết", "Trung tướng Mai Văn Hà đề nghị",
    "Đồng thời, đề nghị công an", "Trong thời gian tới, bên cạnh",
]
SEED_004_STARTS = [
    "Ngày 28/12, tại Hà Nội", "Thượng tướng Trần Quốc Tỏ", "Thứ trưởng Trần Quốc Tỏ phát biểu", "Năm 2022, Cục Truyền thông",
    "Công tác định hướng", "Cục Truyền thông CAND đã đẩy mạnh", "Tăng cường hợp tác đối ngoại", "Tổ chức sản xuất",
    "Tập trung đầu tư", "Thiếu tướng Đỗ Triệu Phong chủ trì", "Thực hiện tốt công tác", "Phong trào thi đua",
    "Tại hội nghị", "Phát biểu chỉ đạo", "Thời gian tới, Thứ trưởng", "Trên cơ sở", "Bên cạnh đó", "Làm tốt công tác",
    "Đồng thời, tăng cường", "Cấp ủy, lãnh đạo", "Thứ trưởng Trần Quốc Tỏ lưu ý", "Với tinh thần cầu thị",
    "Cục trưởng Cục Truyền thông CAND mong muốn", "Thiếu tướng Đỗ Triệu Phong đã quán triệt",
    "Thứ trưởng Trần Quốc Tỏ trao Cờ", "Dịp này, Thừa ủy quyền",
]


def _sample_article(sample_dir, stem):
    return next(a for a in load_articles([sample_dir]).articles if a.id == stem)


def test_seed_articles_split_sentence_by_sentence(sample_dir):
    for stem, starts in [("000_c157938d51d7c814", SEED_000_STARTS), ("004_c3cdf694cfdd003e", SEED_004_STARTS)]:
        found = sentences(_sample_article(sample_dir, stem).text)
        assert len(found) == len(starts), stem
        for sentence, start in zip(found, starts, strict=True):
            assert sentence.startswith(start), (sentence, start)
            assert sentence[-1] in ".!?…”\"", sentence


def test_splitter_traps():
    cases = {
        "Ông sống ở TP.HCM. Sau đó ông đi.": ["Ông sống ở TP.HCM.", "Sau đó ông đi."],
        "Đảng ủy Công an T.Ư và lãnh đạo Bộ. Hết.": ["Đảng ủy Công an T.Ư và lãnh đạo Bộ.", "Hết."],
        "Chiều 6.5, có 1.000 người đến. Ngày 28/12 họ về.": ["Chiều 6.5, có 1.000 người đến.", "Ngày 28/12 họ về."],
        "Gồm sách, báo, v.v. Các đơn vị khác.": ["Gồm sách, báo, v.v.", "Các đơn vị khác."],
        "Gồm sách, báo v.v. và nhiều thứ.": ["Gồm sách, báo v.v. và nhiều thứ."],
        "đối phó HIV/AIDS.Dự án có nhiệm vụ.": ["đối phó HIV/AIDS.", "Dự án có nhiệm vụ."],
        "“Rất tốt.” Ông nói thêm.": ["“Rất tốt.”", "Ông nói thêm."],
        "TP. Hồ Chí Minh mưa. PGS. TS. Nguyễn Văn A nói.": ["TP. Hồ Chí Minh mưa.", "PGS. TS. Nguyễn Văn A nói."],
        "Ai đến? Ông ấy! Thế à…": ["Ai đến?", "Ông ấy!", "Thế à…"],
    }
    for text, expected in cases.items():
        assert sentences(text) == expected


@given(st.text(alphabet=st.sampled_from(list("aăđê ỹ.!?…\n“”\"TPHCM.0123456789/")), max_size=200))
def test_sentence_spans_are_ordered_trimmed_and_cover_all_text(text):
    spans = sentence_spans(text)
    covered = set()
    for (a, b), (c, _) in itertools.pairwise(spans + [(len(text), len(text))]):
        assert a < b <= c
        assert text[a:b] == text[a:b].strip()
        covered.update(range(a, b))
    assert all(text[i].isspace() for i in range(len(text)) if i not in covered)


def test_vntc_sample_splits_without_abbreviation_breaks(shared_data):
    """On real crawled text: no sentence ends on a bare abbreviation, glued stops are split."""
    glued = 0
    with gzip.open(shared_data / "vntc-articles.jsonl.gz", "rt", encoding="utf-8") as handle:
        for line in itertools.islice(handle, 300):
            text = clean_article_text(json.loads(line)["text"])
            spans = sentence_spans(text)
            for (a, b), (c, _) in itertools.pairwise(spans):
                if "\n" not in text[b:c]:  # a paragraph may well end on "TP."
                    assert not text[a:b].endswith((" TP.", " Tp.", " PGS.", " TS.", " ThS.", " GS.")), text[a:c]
            glued += sum(text[a:b].endswith("AIDS.") for a, b in spans)
    assert glued > 0  # the first VNTC article glues "HIV/AIDS.Dự án"
