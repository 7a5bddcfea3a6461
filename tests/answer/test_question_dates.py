"""The times a question names: what counts as a time, what does not, and how a time matches an
article's date. Expected values are the calendar dates the phrases say, worked out by hand."""

from __future__ import annotations

import calendar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.answer.question import analyse
from qa.answer.question_dates import AskedTime, asked_times, matching_key, numbers_dated, time_mentions
from qa.ingest.corpus import ArticleDate
from qa.ingest.text import fold_accents

MAY = AskedTime(month=5)
DECEMBER = AskedTime(month=12)


@pytest.mark.parametrize(("question", "expected"), [
    # Vietnamese, with diacritics
    ("Ai chủ trì cuộc họp tháng 5?", (MAY,)),
    ("Ai chủ trì hội nghị tổng kết năm 2022?", (AskedTime(2022),)),
    ("Hội nghị tháng 12/2022 do ai chủ trì?", (AskedTime(2022, 12),)),
    ("Cuộc họp tháng 5 năm 2022 bàn về điều gì?", (AskedTime(2022, 5),)),
    ("Hội nghị hôm 28/12 diễn ra ở đâu?", (AskedTime(None, 12, 28),)),
    ("Cuộc gặp mặt ngày 6.5 đánh giá điều gì?", (AskedTime(None, 5, 6),)),
    ("Chiều 6.5, ai chủ trì buổi gặp mặt?", (AskedTime(None, 5, 6),)),
    ("Sáng ngày 6-5 có sự kiện gì?", (AskedTime(None, 5, 6),)),
    ("Ai phát biểu ngày 28 tháng 12 năm 2022?", (AskedTime(2022, 12, 28),)),
    ("Kế hoạch ban hành ngày 25/5/2022 của cơ quan nào?", (AskedTime(2022, 5, 25),)),
    ("Hội nghị 28/12/2022 tổ chức ở đâu?", (AskedTime(2022, 12, 28),)),
    ("Thứ Sáu ngày 6/5 ai chủ trì?", (AskedTime(None, 5, 6),)),  # "Sáu" is six here, not "sau" (after)
    ("Hồi tháng 9 năm ngoái Cục hợp tác với bao nhiêu cơ quan?", (AskedTime(month=9),)),  # "năm ngoái" has no anchor
    # the same typed without diacritics
    ("ai chu tri cuoc hop thang 5", (MAY,)),
    ("ai chu tri hoi nghi tong ket nam 2022", (AskedTime(2022),)),
    ("hoi nghi hom 28/12 o dau", (AskedTime(None, 12, 28),)),
    ("cuoc gap mat ngay 6.5 danh gia gi", (AskedTime(None, 5, 6),)),
    ("hoi nghi thang 12/2022 do ai chu tri", (AskedTime(2022, 12),)),
    ("thu sau ngay 6/5 ai chu tri", (AskedTime(None, 5, 6),)),
    # English
    ("Who chaired the meeting in May?", (MAY,)),
    ("Who chaired the conference in December 2022?", (AskedTime(2022, 12),)),
    ("How many films did the department produce in 2022?", (AskedTime(2022),)),
    ("What event did the department organise on 28 December?", (AskedTime(None, 12, 28),)),
    ("Who spoke on December 28th, 2022?", (AskedTime(2022, 12, 28),)),
    ("Who chaired the meeting on the 6th of May?", (AskedTime(None, 5, 6),)),
    ("What happened on Dec. 28?", (AskedTime(None, 12, 28),)),
    ("At the May meeting, who supplied information?", (MAY,)),
    ("According to the May 2022 article, who was Director?", (AskedTime(2022, 5),)),
    ("Who attended the department's 2022 year-end review conference?", (AskedTime(2022),)),
    ("Which plan, dated 25 May 2022, is cited?", (AskedTime(2022, 5, 25),)),
    ("who chaired the meeting in may", (MAY,)),
    # several mentions: those that fit together are one time, others stay apart
    ("Bên cạnh tổng kết năm 2022, hội nghị ngày 28/12 còn triển khai công tác của năm nào?", (AskedTime(2022, 12, 28),)),
    ("Hội nghị tổng kết năm 2022, triển khai công tác năm 2023 do ai chủ trì?", (AskedTime(2022), AskedTime(2023))),
    ("Ai chủ trì cuộc họp tháng 5 và hội nghị tháng 12?", (MAY, DECEMBER)),
])
def test_named_times_are_found(question, expected):
    assert asked_times(question) == expected


@pytest.mark.parametrize("question", [
    "8 cơ quan báo chí nào hợp tác với Cục?",
    "Có 2022 người dự hội nghị không?",
    "Kế hoạch số 118-KH/ĐUCA do ai ký ban hành?",
    "Nghị quyết số 12-NQ/TW là của cơ quan nào?",
    "Thông tư 12/2022/TT-BCA quy định gì?",
    "Hội nghị Công an toàn quốc lần thứ 78 bàn gì?",
    "Tầm nhìn của Đề án 06 kéo dài đến 2030?",
    "Đề án 06 giai đoạn 2022 - 2025 là gì?",
    "Giải pháp kéo giảm 5% phạm pháp hình sự là gì?",
    "Tỷ lệ 2/3 số phiếu là bao nhiêu?",
    "Cục CSGT giải quyết 3 nhiệm vụ nào?",
    "Ai là Cục trưởng trước năm 2022?",  # a bound, not the time asked about
    "Từ tháng 5 đã có những thay đổi gì?",
    "Việt Nam 2022 có bao nhiêu tỉnh?",  # typed with diacritics: "Nam" is not "năm"
    "Thang may o dau?",  # "thang máy", the lift
    "co may nguoi du hoi nghi",  # "có mấy người"
    "Hội nghị ngày 30/2 ở đâu?",  # no such day
    "Cuộc họp tháng 13 do ai chủ trì?",
    "Sự kiện năm 1800 là gì?",
    "Who may attend the conference?",
    "May I ask who chaired the meeting?",
    "Who led the march to the stadium?",
    "How many of the 2022 people attended?",  # a count: the noun after it is plural
    "What has changed since 2020?",
    "Who was director before 2022?",
    "",
])
def test_numbers_that_are_not_times_are_left_alone(question):
    assert asked_times(question) == ()


def test_the_analysed_question_carries_its_times():
    assert analyse("Ai chủ trì cuộc họp tháng 5?").times == (MAY,)
    assert analyse("ai chu tri hoi nghi thang 12").times == (DECEMBER,)
    assert analyse("Who chaired the conference in December 2022?").times == (AskedTime(2022, 12),)
    assert analyse("Có bao nhiêu cơ quan báo chí?").times == ()


def test_mentions_give_offsets_into_the_question():
    question = "Hội nghị hôm 28/12 và cuộc họp tháng 5/2022 ai chủ trì?"
    assert [question[m.start : m.end] for m in time_mentions(question)] == ["hôm 28/12", "tháng 5/2022"]
    english = "Who chaired the May meeting and the conference in December 2022?"
    mentions = time_mentions(english)
    assert [english[m.start : m.end] for m in mentions] == ["May", "in December 2022"]
    assert [m.is_bare(english) for m in mentions] == [True, False]


# --- matching an article's date ---------------------------------------------------------------


@pytest.mark.parametrize(("time", "published", "expected"), [
    (MAY, ArticleDate(2022, 5), True),
    (MAY, ArticleDate(2021, 5, 17), True),  # a month named without a year: May of any year
    (MAY, ArticleDate(2022, 12), False),
    (MAY, ArticleDate(2022), True),  # dated only by its year: it may be May's
    (MAY, None, False),  # undated: never a match
    (AskedTime(2022), ArticleDate(2022, 5), True),
    (AskedTime(2022), ArticleDate(2022, 12, 28), True),
    (AskedTime(2022), ArticleDate(2023, 12), False),
    (AskedTime(2022, 5), ArticleDate(2022, 5), True),
    (AskedTime(2022, 5), ArticleDate(2021, 5), False),
    (AskedTime(2022, 5), ArticleDate(2022, 12), False),
    (AskedTime(None, 12, 28), ArticleDate(2022, 12), True),
    (AskedTime(None, 12, 28), ArticleDate(2022, 12, 29), True),  # the next day's report of the 28th
    (AskedTime(None, 12, 28), ArticleDate(2023, 1, 2), False),
])
def test_a_time_matches_articles_of_that_time(time, published, expected):
    assert time.matches(published) is expected


@pytest.mark.parametrize(("published", "said"), [
    (ArticleDate(2022, 5), {"2022", "5", "05"}),
    (ArticleDate(2022), {"2022"}),  # dated only by its year: the month is not said
    (ArticleDate(2021, 5), set()),  # another year's article says none of it
    (None, set()),
])
def test_an_articles_date_says_the_numbers_of_the_time_asked(published, said):
    assert numbers_dated(asked_times("Ai chủ trì cuộc gặp tháng 5/2022?"), published) == said


def test_merged_and_instead_of():
    assert AskedTime(None, 12, 28).merged(AskedTime(2022)) == AskedTime(2022, 12, 28)
    assert AskedTime(2022).merged(AskedTime(2023)) is None
    assert AskedTime(None, 5).merged(AskedTime(None, 12)) is None
    # "Còn năm 2023?" after "tháng 12/2022"; "Còn tháng 5?" after "ngày 28/12/2022"
    assert AskedTime(2023).instead_of(AskedTime(2022, 12)) == AskedTime(2023, 12)
    assert AskedTime(None, 5).instead_of(AskedTime(2022, 12, 28)) == AskedTime(2022, 5)
    assert AskedTime(None, 12, 6).instead_of(AskedTime(2022, 5)) == AskedTime(2022, 12, 6)


@pytest.mark.parametrize(("time", "vietnamese", "english", "english_bare"), [
    (AskedTime(2022), "năm 2022", "in 2022", "2022"),
    (MAY, "tháng 5", "in May", "May"),
    (AskedTime(2022, 12), "tháng 12/2022", "in December 2022", "December 2022"),
    (AskedTime(None, 12, 28), "ngày 28/12", "on 28 December", "28 December"),
    (AskedTime(2022, 5, 6), "ngày 6/5/2022", "on 6 May 2022", "6 May 2022"),
])
def test_phrases(time, vietnamese, english, english_bare):
    assert time.phrase("vi") == vietnamese
    assert time.phrase("vi", diacritics=False) == fold_accents(vietnamese)
    assert time.phrase("en") == english
    assert time.phrase("en", bare=True) == english_bare


# --- properties -------------------------------------------------------------------------------

years = st.integers(1900, 2100)
months = st.integers(1, 12)


@st.composite
def calendar_times(draw) -> AskedTime:
    """Any time a question may name: a year, a month with or without a year, a day of a month."""
    precision = draw(st.sampled_from(["year", "month", "day"]))
    year = draw(years) if precision == "year" else draw(st.none() | years)
    if precision == "year":
        return AskedTime(year)
    month = draw(months)
    if precision == "month":
        return AskedTime(year, month)
    return AskedTime(year, month, draw(st.integers(1, calendar.monthrange(year or 2000, month)[1])))


@settings(max_examples=200, deadline=None)
@given(time=calendar_times())
def test_every_phrase_reads_back_as_its_time(time):
    """What the follow-up rewriting writes, extraction reads: in Vietnamese with and without
    diacritics, in English with its preposition and as an adjective."""
    for question in (f"Ai chủ trì hội nghị {time.phrase('vi')}?",
                     f"ai chu tri hoi nghi {time.phrase('vi', diacritics=False)}",
                     f"Who chaired the conference {time.phrase('en')}?",
                     f"Who chaired the {time.phrase('en', bare=True)} conference?"):
        assert asked_times(question) == (time,), question


@settings(max_examples=200, deadline=None)
@given(year=years, month=months, form=st.sampled_from(["tháng {m}/{y}", "tháng {m} năm {y}", "tháng {m}-{y}"]))
def test_month_and_year_with_and_without_diacritics(year, month, form):
    phrase = form.format(m=month, y=year)
    assert asked_times(f"Ai chủ trì hội nghị {phrase}?") == (AskedTime(year, month),)
    assert asked_times(f"ai chu tri hoi nghi {fold_accents(phrase)}") == (AskedTime(year, month),)


@settings(max_examples=200, deadline=None)
@given(day=st.integers(1, 31), month=st.integers(1, 12), lead=st.sampled_from(["ngày", "hôm", "chiều", "sáng", "tối"]),
       separator=st.sampled_from(["/", ".", "-"]))
def test_a_day_counts_only_when_the_calendar_has_it(day, month, lead, separator):
    found = asked_times(f"Hội nghị {lead} {day}{separator}{month} do ai chủ trì?")
    exists = day <= calendar.monthrange(2000, month)[1]
    assert found == ((AskedTime(None, month, day),) if exists else ())


@settings(max_examples=300, deadline=None)
@given(number=st.integers(0, 100_000),
       template=st.sampled_from(["Có {n} cơ quan báo chí nào?", "{n} người dự hội nghị?", "Kế hoạch số {n} do ai ký?",
                                 "Hội nghị lần thứ {n} ở đâu?", "Kéo giảm {n}% phạm pháp?", "Nghị quyết số {n}-NQ/TW là gì?",
                                 "co {n} co quan bao chi nao", "How many of the {n} agencies signed?", "Plan No. {n} was cited",
                                 "Đề án {n} là gì?", "{n} nhiệm vụ gồm những gì?"]))
def test_counts_and_numbers_are_never_times(number, template):
    assert asked_times(template.format(n=number)) == ()


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=80))
def test_any_text_is_safe_and_offsets_stay_in_the_text(text):
    assert len(matching_key(text)) == len(text)
    for mention in time_mentions(text):
        assert 0 <= mention.start < mention.end <= len(text)
