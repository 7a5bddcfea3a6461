"""Question analysis and typed spans, checked on sentences of the sample articles."""

from __future__ import annotations

import pytest

from qa.ingest.corpus import ArticleDate
from qa.answer.english_terms import article_phrases, in_vietnamese_terms, lexical_query, with_names_spelled
from qa.answer.question import analyse
from qa.answer.spans import count_words, counts, dates, enumeration, people, places, positions

MAY_2022 = ArticleDate(2022, 5)
DEC_2022 = ArticleDate(2022, 12)


@pytest.mark.parametrize(
    ("question", "kind", "language"),
    [
        ("Ai chủ trì hội nghị tổng kết công tác năm 2022?", "who", "vi"),
        ("Thứ trưởng nào dự hội nghị tổng kết?", "who", "vi"),  # a person named by office
        ("vi tuong nao chu tri buoi gap mat", "who", "vi"),
        ("WHO đánh giá dịch Ebola ở Congo như thế nào?", "how", "vi"),  # the organisation
        ("What did WHO say about Ebola?", "what", "en"),
        ("WHO CHAIRED THE MEETING?", "who", "en"),
        ("Do đâu mà giun đũa kí sinh trong cơ thể?", "where", "vi"),  # "do": because of
        ("Do the articles say who chaired the meeting?", "who", "en"),
        ("ai chu tri hoi nghi tong ket nam 2022", "who", "vi"),
        ("Who chaired the meeting with the eight press agencies?", "who", "en"),
        ("Cuộc gặp mặt diễn ra khi nào?", "when", "vi"),
        ("Nghị quyết 12 ban hành ngày bao nhiêu?", "when", "vi"),
        ("Tháng bao nhiêu Sở Y tế thông báo kế hoạch?", "when", "vi"),
        ("thang bao nhieu so y te thong bao ke hoach", "when", "vi"),
        ("Cục gặp mặt các cơ quan báo chí vào buổi nào?", "when", "vi"),
        ("cuc gap mat cac co quan bao chi vao buoi nao", "when", "vi"),
        ("Hội nghị bắt đầu lúc mấy giờ?", "when", "vi"),
        ("hoi nghi to chuc o dau", "where", "vi"),
        ("Có bao nhiêu cơ quan báo chí?", "how_many", "vi"),
        ("How many press agencies took part?", "how_many", "en"),
        ("Số lượng phóng viên dự là bao nhiêu?", "how_many", "vi"),
        ("Quốc gia nào có số lượng du khách nhiều nhất?", "what", "vi"),
        ("Cục mở rộng hợp tác với những cơ quan báo chí nào?", "list", "vi"),
        ("Đại tá Phùng Đức Thắng giữ chức vụ gì?", "position", "vi"),
        ("Vì sao báo chí cử phóng viên đến cơ sở?", "why", "vi"),
        ("When will Truyền hình Quốc hội sign the agreement?", "when", "en"),
        # an English question is typed by its English words only: folded, "mấy" is "May"
        ("According to the May 2022 article, who was Director of the department?", "who", "en"),
        ("Which plan, dated 25 May 2022, does the article cite?", "what", "en"),
        ("ai chu tri cuoc gap thang may", "when", "vi"),
        # an English question asks what its first question word asks, not a clause after it
        ("What did the doctors do when they found the baby's pulse at 120?", "what", "en"),
        ("How many doctors were assaulted when they were on duty?", "how_many", "en"),
        ("Who spoke when the conference opened?", "who", "en"),
        ("On which date did the department hold its review conference?", "when", "en"),
        ("In which year was the plan issued?", "when", "en"),
        ("In December 2022, which Deputy Minister attended the conference?", "who", "en"),
        ("At which venue was the conference held?", "where", "en"),
    ],
)
def test_question_type_and_language(question, kind, language):
    analysed = analyse(question)
    assert (analysed.kind, analysed.language) == (kind, language)


def test_role_verbs_in_vietnamese_folded_and_english():
    assert analyse("Ai dự và chỉ đạo hội nghị?").role_verbs == ("dự và chỉ đạo",)
    assert analyse("ai chu tri hoi nghi").role_verbs == ("chủ trì",)
    assert analyse("Who presented the emulation flag?").role_verbs == ("trao",)
    # an English office is every Vietnamese title it reads as, and a longer office is not also a shorter one
    assert analyse("Who is the director of the department?").titles == ("giám đốc", "cục trưởng")
    assert analyse("Who is the deputy prime minister?").titles == ("phó thủ tướng",)
    assert analyse("Which lieutenant colonel attended and directed it?").titles == ("trung tá",)
    assert analyse("Which lieutenant colonel attended and directed it?").role_verbs == ("dự", "chỉ đạo")
    assert analyse("Who gave a speech and who gave directions?").role_verbs == ("chỉ đạo", "phát biểu")
    assert analyse("Có bao nhiêu cơ quan báo chí?").unit == "cơ quan"


def _texts(sentence, spans):
    return [sentence[s.start : s.end] for s in spans]


@pytest.mark.parametrize(("english", "read"), [
    ("Who chaired the meeting in May?", "Who chủ trì the meeting in May?"),
    ("Who SIGNED the decree and who spoke?", "Who ký the decree and who phát biểu?"),
    # words that name a role only in some sentences stay as typed; nouns with one reading do not
    ("What is the address of the company?", "What is the address of the công ty?"),
    ("Who was present at the ceremony held in Hanoi?", "Who was present at the lễ held in Hà Nội?"),
    # only whole words: "unsigned" is not "signed", "co-chaired" is not "chaired"
    ("Who planned the unsigned letter?", "Who planned the unsigned letter?"),
    ("Who co-chaired it?", "Who co-chaired it?"),
    # the longer phrase wins, and a name keeps its place after the rank word
    ("Which Deputy Minister attended the year-end review conference in Quảng Ninh Province?",
     "Which thứ trưởng dự the hội nghị tổng kết in tỉnh Quảng Ninh?"),
    ("Who is the Prime Minister?", "Who is the thủ tướng?"),
    # words with several Vietnamese readings stay as typed
    ("Who is the director of the department?", "Who is the director of the department?"),
    # a role said in a phrase is read whole; "gave" alone stays as typed
    ("Who attended and gave directions at the conference?", "Who dự and chỉ đạo at the hội nghị?"),
    ("Who delivered a speech at the ceremony?", "Who phát biểu at the lễ?"),
    ("Who presided over the seminar?", "Who chủ trì the hội thảo?"),
    ("Who ran the year-end review conference?", "Who chủ trì the hội nghị tổng kết?"),
    ("Who runs the department?", "Who runs the department?"),  # a body is run, not chaired
    ("Which unit received the emulation flag?", "Which unit received the cờ thi đua?"),
    ("Who launched the emulation movement?", "Who phát động the phong trào thi đua?"),
    ("Who gave the speaker a gift?", "Who gave the speaker a gift?"),
])
def test_english_questions_are_read_with_the_article_words(english, read):
    assert in_vietnamese_terms(english) == read


@pytest.mark.parametrize(("english", "phrases"), [
    # a name and a number the articles could print; the English between them is not asked for
    ("Which team won the 2022 V.League?", ("2022 V.League",)),
    # English capitalises the words of its offices and institutions, which no article prints,
    # save the field of a named body; a month is the question's time, which the article's date may say
    ("Who was Director of the CAND Communications Department in May 2022?", ("Truyền thông CAND", "2022")),
    ("Who heads the Bach Mai Hospital's Communications Department?", ("bệnh viện Bach Mai", "Truyền thông")),
    ("Who is the Minister of Health?", ("bộ trưởng", "Y tế")),
    ("Who runs the Central Hospital in Hue?", ("bệnh viện", "Hue")),
    # any other capitalised word is a name the articles may lack
    ("Who is the CEO of Vingroup?", ("tổng giám đốc", "Vingroup")),
    ("Who won the 2023 Nobel Prize in Physics?", ("2023 Nobel Prize", "Physics")),
    # runs stay in the order typed and break at English words and commas
    ("What did Deputy Minister Le Quoc Hung say in Hanoi, on 12/3?", ("thứ trưởng Le Quoc Hung", "Hà Nội", "12/3")),
    ("Who chaired hội nghị Ban Chỉ đạo in Quảng Ninh Province?", ("chủ trì hội nghị Ban Chỉ đạo", "tỉnh Quảng Ninh")),
    # a topic the articles may never touch shows only in its Vietnamese words
    ("What will the weather be in Da Nang tomorrow?", ("thời tiết", "Da Nang")),
    ("What is the gold price today?", ("giá vàng",)),
    # nothing an article would print as typed
    ("When does the term start?", ()),
])
def test_english_questions_are_judged_by_the_words_an_article_could_hold(english, phrases):
    assert article_phrases(english) == phrases


def test_english_questions_are_searched_in_vietnamese_terms_and_stay_folded_when_typed_bare():
    assert lexical_query("Who chaired the conference in Da Nang?", english=True) == "chu tri hoi nghi Da Nang"
    assert lexical_query("Who chaired the conference in Đà Nẵng?", english=True) == "chủ trì hội nghị Đà Nẵng"
    assert lexical_query("Ai chủ trì hội nghị?", english=False) == "Ai chủ trì hội nghị?"
    # a named body is searched by its field, which every kind it may read as shares
    assert lexical_query("Who heads the Ministry of Public Security?", english=True) == "heads Cong an"


def test_the_english_words_of_a_question_are_not_searched_as_vietnamese_syllables():
    # folded, "the", "man", "long" and "can" are Vietnamese syllables that no English question
    # means; "canoe", "found" and "rhinoceros" are none, and an article may print such a word
    assert lexical_query("Can the man in the long canoe be found?", english=True) == "canoe found"
    assert lexical_query("Where is the rhinoceros in May?", english=True) == "rhinoceros"
    # Vietnamese typed bare comes in runs, and a common English word in one is kept ("ban")
    assert lexical_query("Who is chu tich ban dieu hanh?", english=True) == "chu tich ban dieu hanh"
    # a name, a number and a word with diacritics are kept wherever they stand
    assert lexical_query("What did Vingroup earn in 2022 from xuất khẩu?", english=True) == "Vingroup earn 2022 xuất khẩu"


def test_bm25_looks_for_every_reading_of_an_english_word_that_has_several():
    # "meeting" is a "cuộc họp", a "buổi gặp mặt" or a "hội nghị"; the reader keeps the English
    assert lexical_query("Who chaired the meeting in May?", english=True) == "chu tri meeting cuoc hop gap mat hoi nghi"
    assert in_vietnamese_terms("Who chaired the meeting in May?") == "Who chủ trì the meeting in May?"
    assert lexical_query("Who is the Director?", english=True) == "Director giam doc cuc truong"


def test_people_with_rank_title_and_appositive():
    sentence = ("Thượng tướng Trần Quốc Tỏ, Ủy viên Trung ương Đảng, Phó Bí thư Đảng ủy Công an Trung ương, Thứ trưởng "
                "Bộ Công an dự và chỉ đạo Hội nghị; Thiếu tướng Đỗ Triệu Phong, Cục trưởng Cục Truyền thông CAND chủ trì Hội nghị.")
    assert _texts(sentence, people(sentence)) == [
        "Thượng tướng Trần Quốc Tỏ, Ủy viên Trung ương Đảng",
        "Thiếu tướng Đỗ Triệu Phong, Cục trưởng Cục Truyền thông CAND",
    ]
    assert _texts("Ngày 28/12, tại Hà Nội, Cục tổ chức.", people("Ngày 28/12, tại Hà Nội, Cục tổ chức.")) == []
    quote = "Đây là phục vụ chuyển đổi số quốc gia”, ông Thắng nói."
    assert _texts(quote, people(quote)) == ["ông Thắng"]


def test_position_after_a_name():
    sentence = "Đại tá Phùng Đức Thắng, Phó cục trưởng Cục Cảnh sát quản lý hành chính về trật tự xã hội, đề nghị các cơ quan."
    assert _texts(sentence, positions(sentence)) == ["Phó cục trưởng Cục Cảnh sát quản lý hành chính về trật tự xã hội"]


def test_dates_resolve_against_the_article_date():
    first = "Chiều 6.5, Cục Truyền thông Công an nhân dân (CAND) đã tổ chức cuộc gặp mặt."
    assert [(first[s.start:s.end], s.resolved) for s in dates(first, MAY_2022)] == [("Chiều 6.5", "2022-05-06")]
    earlier = "Trước đó, hồi tháng 9 năm ngoái, Cục Truyền thông CAND đã đẩy mạnh hợp tác."
    assert [(earlier[s.start:s.end], s.resolved) for s in dates(earlier, MAY_2022)] == [("hồi tháng 9 năm ngoái", "2021-09")]
    late = "Ngày 28/12, tại Hà Nội, Cục tổ chức Hội nghị."
    assert dates(late, ArticleDate(2023, 1))[0].resolved == "2022-12-28"  # written in January
    full = "Nghị quyết số 12-NQ/TW ngày 16/3/2022 của Bộ Chính trị"
    assert [(full[s.start:s.end], s.resolved) for s in dates(full, DEC_2022)] == [("ngày 16/3/2022", "2022-03-16")]
    assert dates("Tỷ lệ tăng 6.5% so với năm trước.", MAY_2022) == []  # a decimal, not a date


def test_counts_places_and_lists():
    sentence = "Cục mở rộng hợp tác với 4 cơ quan báo chí ngoài CAND khác, gồm: Truyền hình Quốc hội, Báo Dân trí, Báo Lao động."
    assert _texts(sentence, counts(sentence, "cơ quan")) == ["4 cơ quan"]
    assert _texts(sentence, enumeration(sentence)) == ["Truyền hình Quốc hội, Báo Dân trí, Báo Lao động"]
    assert _texts("Kế hoạch số 118 năm 2022 có 3 nhiệm vụ.", counts("Kế hoạch số 118 năm 2022 có 3 nhiệm vụ.", None)) == ["3"]
    venue = "Ngày 28/12, tại Hà Nội, Cục tổ chức Hội nghị tại Hội trường."
    assert _texts(venue, places(venue)) == ["Hà Nội"]


@pytest.mark.parametrize(("text", "numbers"), [
    ("Có 25 người và hai bác sĩ dự, 79.000 ca.", ["25", "hai", "79.000"]),
    ("Hàng trăm nghìn người, gần một tháng, năm người.", ["trăm", "nghìn", "một", "năm"]),
    # a year or a date is not a count, though "năm" is also five
    ("Năm 2022, ngày 6.5 và ngày 25/5/2022, tháng 9/2017.", []),
    ("Năm 11 tuổi, anh theo nghề được 18 năm.", ["11", "18", "năm"]),
    ("Pin dùng được 2-3 ngày.", ["2", "3"]),
    ("Bác sĩ phát hiện song cầu trùng, lập tức mổ cấp cứu.", []),
])
def test_a_count_is_written_in_digits_or_in_words_but_a_year_or_date_is_not_one(text, numbers):
    assert [text[a:b] for a, b in count_words(text)] == numbers


REPORT = "Thiếu tướng Đỗ Triệu Phong chủ trì hội nghị tại tỉnh Quảng Ninh. Đại tá Phùng Đức Thắng nói."


@pytest.mark.parametrize(("english", "read"), [
    # bare Vietnamese names take the passages' spelling, so the reader's subwords match them
    ("Who chaired the conference in Quang Ninh Province?", "Who chaired the conference in Quảng Ninh Province?"),
    ("What did Colonel Phung Duc Thang say?", "What did Colonel Phùng Đức Thắng say?"),
    # as are runs of two or more bare Vietnamese words that a passage holds
    ("Who chaired the hoi nghi in Quang Ninh?", "Who chaired the hội nghị in Quảng Ninh?"),
    # English words stay as typed, capitalised or not, and so do names the passages never spell
    ("Can the Director of Bach Mai Hospital attend in May?", "Can the Director of Bach Mai Hospital attend in May?"),
    ("Who did Đỗ Triệu Phong meet?", "Who did Đỗ Triệu Phong meet?"),
])
def test_bare_names_in_english_questions_are_spelled_as_the_passages_spell_them(english, read):
    assert with_names_spelled(english, [REPORT]) == read
