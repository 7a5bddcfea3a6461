"""English forms of Vietnamese training questions: the data holds no English question, yet users
ask in English about Vietnamese articles.

Two forms:

- ``code_switched``: the question words, roles and a few common words glossed word by word in
  the Vietnamese word order ("hội nghị do who chaired?"). Stages 2 and 3 of the shipped reader
  were trained with it, and the benchmarks keep it as their fixed English form so that numbers
  stay comparable across stages.
- ``in_english``: closer to what people type. The question's shape is turned into English word
  order first ("X do ai chủ trì?" -> "Who chaired X?", "X vào ngày nào?" -> "When X?"), then the
  words are glossed with a larger glossary; names and unknown words stay as written, as they
  do in real questions about Vietnamese news ("Who chaired hội nghị Ban Chỉ đạo?" at worst).
  The larger glossary's entries were chosen from the most frequent words of the *training*
  questions (qa-train and ViNewsQA ``train_subset2000``) and the who-question templates, never
  from an evaluation set. It glosses only lowercase words (or the question's first word), so
  names such as "Thành" or "Đức" are left alone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path

from qa.ingest.text import fold_accents

ENGLISH_GLOSSARY = {
    "vào ngày nào": "on what date", "ngày nào": "what date", "năm nào": "which year", "tháng nào": "which month",
    "khi nào": "when", "bao giờ": "when", "lúc nào": "when", "thời gian nào": "what time", "bao nhiêu": "how many",
    "mấy": "how many", "ở đâu": "where", "tại đâu": "where", "nơi nào": "which place", "đâu": "where",
    "những ai": "who", "người nào": "which person", "ai": "who", "tại sao": "why", "vì sao": "why",
    "lý do": "the reason", "như thế nào": "how", "thế nào": "how", "ra sao": "how", "bằng cách nào": "how",
    "cái gì": "what", "điều gì": "what", "gì": "what", "nào": "which", "chủ trì": "chaired", "phát biểu": "spoke",
    "chỉ đạo": "directed", "tham dự": "attended", "dự án": "project", "tổ chức": "organised", "trao": "awarded",
    "ký": "signed", "cho biết": "said", "tuyên bố": "declared", "bắt giữ": "arrested", "xảy ra": "happened",
    "diễn ra": "took place", "bị thương": "injured", "tai nạn": "accident", "công ty": "company", "người đứng đầu": "the head", "đứng đầu": "headed", "giám đốc": "director",
    "chủ tịch": "chairman", "bộ trưởng": "minister", "thứ trưởng": "deputy minister", "thủ tướng": "prime minister",
    "hội nghị": "conference", "cuộc họp": "meeting", "công an": "police", "tỉnh": "province",
    "thành phố": "city", "huyện": "district", "người": "people", "năm": "year", "tháng": "month", "ngày": "day",
    "của": "of", "và": "and", "trong": "in", "được": "was", "có": "has", "là": "is", "cho": "for", "với": "with",
    "tại": "at", "ở": "in", "về": "about", "các": "the", "những": "the", "một": "a", "này": "this", "đó": "that",
    "sẽ": "will", "bị": "was", "từ": "from", "đến": "to", "theo": "according to", "khi": "when", "để": "to",
}
_GLOSSED = re.compile(r"(?<!\w)(" + "|".join(map(re.escape, sorted(ENGLISH_GLOSSARY, key=len, reverse=True))) + r")(?!\w)",
                      re.IGNORECASE)

# Words and compounds, most frequent in the training questions first; a compound wins over its
# syllables (longest match).
_MORE_WORDS = {
    # roles and the who-questions' verbs
    "điều hành": "ran", "chủ tọa": "presided over", "lãnh đạo": "led", "giữ chức": "holds the post of",
    "giữ cương vị": "holds the office of", "cương vị": "office", "khẳng định": "affirmed", "nhấn mạnh": "stressed",
    "cho rằng": "said that", "lưu ý": "noted", "nói": "said", "trao tặng": "awarded", "trao đổi": "discussed",
    "ký kết": "signed", "phó chủ tịch": "vice chairman", "phó thủ tướng": "deputy prime minister",
    "tổng giám đốc": "general director", "phó giám đốc": "deputy director", "cục trưởng": "director of the department",
    "viện trưởng": "director of the institute", "hiệu trưởng": "principal", "tổng biên tập": "editor-in-chief",
    "tổng bí thư": "general secretary", "bí thư": "secretary", "chủ nhiệm": "chairman", "trưởng ban": "head of the board",
    "trưởng phòng": "head of the office", "phó": "deputy", "trưởng": "head", "đại sứ": "ambassador",
    "chủ tịch nước": "state president", "tổng thống": "president", "quốc hội": "national assembly",
    "chính phủ": "government", "bộ": "ministry", "sở": "department", "cục": "department", "ủy ban": "committee",
    "ủy ban nhân dân": "people's committee", "ban chỉ đạo": "steering committee", "hội đồng": "council",
    "đoàn": "delegation", "đại biểu": "delegates", "cơ quan": "agency", "ngành": "sector", "lãnh đạo của": "leader of",
    "đại hội": "congress", "lễ": "ceremony", "buổi": "session", "phiên họp": "session", "tọa đàm": "seminar",
    "hội thảo": "workshop", "tổng kết": "review", "sơ kết": "interim review", "triển khai": "launch",
    "khai mạc": "opening", "bế mạc": "closing", "phát động": "launched", "kỷ niệm": "anniversary",
    "tòa án": "court", "tòa": "court", "xét xử": "trial", "bị cáo": "defendant", "viện kiểm sát": "procuracy",
    "quân đội": "army", "quân": "troops", "cảnh sát": "police", "bộ đội": "soldiers",
    # question shapes and function words
    "đã": "", "đang": "", "thì": "", "mà": "that", "hay": "or", "hoặc": "or", "nhưng": "but", "nếu": "if",
    "vì": "because", "do": "by", "bởi": "by", "nhờ": "thanks to", "như": "like", "cũng": "also", "còn": "still",
    "không": "not", "chưa": "not yet", "rất": "very", "nhất": "most", "hơn": "more than", "nhiều": "many",
    "ít": "few", "mỗi": "each", "cả": "all", "toàn": "whole", "lại": "again", "ra": "out", "lên": "up",
    "trên": "on", "dưới": "under", "trước": "before", "sau": "after", "giữa": "between", "ngoài": "outside",
    "cùng": "together with", "bằng": "by", "gồm": "includes", "bao gồm": "includes", "thuộc": "belongs to",
    "làm gì": "do what", "làm": "do", "thế": "so", "nơi": "place", "đây": "here", "hiện nay": "now",
    "hiện": "currently", "hiện tại": "now", "sau khi": "after", "trước khi": "before", "trong khi": "while",
    "vào": "in", "tới": "to", "qua": "through", "nhằm": "aimed to", "nhằm mục đích": "in order to",
    "thứ hai": "second", "đầu tiên": "first", "cuối cùng": "last", "lần": "time", "lần đầu": "first time",
    "họ": "they", "ông": "he", "bà": "she", "anh": "he", "chị": "she", "mình": "itself", "chúng": "they",
    "tên": "name", "tên gọi": "name", "gọi là": "called", "gọi": "called", "tên là": "named",
    # frequent content words of the training questions
    "sử dụng": "used", "dùng": "use", "bệnh nhân": "patient", "bác sĩ": "doctor", "bệnh viện": "hospital",
    "bệnh": "disease", "phát triển": "development", "quốc gia": "country", "nước": "country",
    "tình trạng": "condition", "nguyên nhân": "cause", "khu vực": "region", "kinh tế": "economy",
    "hoa kỳ": "United States", "mỹ": "American", "thế giới": "world", "trái đất": "Earth",
    "nghiên cứu": "research", "thời gian": "time", "vấn đề": "problem", "sự kiện": "event",
    "chiến tranh": "war", "thành lập": "founded", "xuất hiện": "appeared", "ảnh hưởng": "influence",
    "bắt đầu": "began", "trở thành": "became", "mục đích": "purpose", "vị trí": "position", "vai trò": "role",
    "quan hệ": "relations", "mối quan hệ": "relationship", "thay đổi": "change", "đế quốc": "empire",
    "châu âu": "Europe", "châu á": "Asia", "phát hiện": "discovered", "kết quả": "result", "đặc điểm": "feature",
    "trung quốc": "China", "việt nam": "Vietnam", "nhật bản": "Japan", "hàn quốc": "South Korea",
    "thái lan": "Thailand", "liên hợp quốc": "United Nations", "hà nội": "Hanoi",
    "thành phố hồ chí minh": "Ho Chi Minh City", "hệ thống": "system", "khoa học": "science",
    "nhà khoa học": "scientist", "xây dựng": "built", "số lượng": "number", "số": "number", "đại học": "university",
    "dân số": "population", "thực hiện": "carried out", "quyết định": "decision", "dẫn đến": "led to",
    "đưa ra": "gave", "điều trị": "treatment", "nổi tiếng": "famous", "gây ra": "caused", "cuộc chiến": "war",
    "quan trọng": "important", "hoạt động": "activity", "lực lượng": "forces", "phẫu thuật": "surgery",
    "liên minh": "alliance", "bao lâu": "how long", "chính sách": "policy", "lĩnh vực": "field",
    "lớn nhất": "largest", "lớn": "large", "nhỏ": "small", "cao nhất": "highest", "cao": "high", "cơ thể": "body",
    "tác dụng": "effect", "yếu tố": "factor", "thế kỷ": "century", "lãnh thổ": "territory", "ủng hộ": "supported",
    "thời kỳ": "period", "yêu cầu": "requested", "chính trị": "politics", "quá trình": "process",
    "thành công": "success", "văn hóa": "culture", "tạo ra": "created", "thông qua": "passed",
    "tác động": "impact", "hình thành": "formed", "chính quyền": "authorities", "hành động": "action",
    "tôn giáo": "religion", "giai đoạn": "stage", "nền kinh tế": "economy", "công trình": "work",
    "hỗ trợ": "support", "chương trình": "programme", "nội dung": "content", "ngôn ngữ": "language",
    "mục tiêu": "goal", "phần trăm": "percent", "đánh giá": "assessed", "tấn công": "attacked",
    "xã hội": "society", "nguồn gốc": "origin", "chủ yếu": "mainly", "sản xuất": "production",
    "tỷ lệ": "rate", "trung tâm": "centre", "thực vật": "plants", "bầu cử": "election", "phương pháp": "method",
    "tập trung": "focused", "gia đình": "family", "trung bình": "average", "khả năng": "ability",
    "chủ nghĩa": "-ism", "chiến dịch": "campaign", "lịch sử": "history", "thiết kế": "design",
    "diện tích": "area", "mặt trời": "Sun", "khí hậu": "climate", "đóng góp": "contribution",
    "phổ biến": "common", "nhiệm vụ": "task", "dân chủ": "democratic", "năng lượng": "energy",
    "chế độ": "regime", "hoàng đế": "emperor", "ý nghĩa": "meaning", "y tế": "health", "trường hợp": "case",
    "khó khăn": "difficulty", "thành viên": "member", "triệu chứng": "symptom", "thủ đô": "capital",
    "tình hình": "situation", "kế hoạch": "plan", "nhân dân": "the people", "người dân": "residents",
    "sinh sống": "live", "hiệp ước": "treaty", "vùng đất": "land", "vùng": "region", "nhiệt độ": "temperature",
    "phản ứng": "reaction", "đạo luật": "act", "luật": "law", "pháp luật": "law", "thời điểm": "time",
    "chính thức": "officially", "điều kiện": "condition", "tác phẩm": "work", "phản đối": "opposed",
    "việc": "the", "sự": "the", "cuộc": "the", "chiếc": "the", "con": "the", "loại": "type", "loài": "species",
    "cách": "way", "phần": "part", "điểm": "point", "mức": "level", "giá": "price", "tiền": "money",
    "đồng": "dong", "triệu": "million", "tỷ": "billion", "nghìn": "thousand", "trăm": "hundred",
    "tuổi": "years old", "học sinh": "pupils", "sinh viên": "students", "trường": "school", "giáo dục": "education",
    "giáo viên": "teacher", "trẻ em": "children", "trẻ": "young", "phụ nữ": "women", "nam": "male", "nữ": "female",
    "nhà": "house", "đất": "land", "đường": "road", "xe": "vehicle", "ô tô": "car", "xe máy": "motorbike",
    "tàu": "ship", "máy bay": "plane", "sân bay": "airport", "cầu": "bridge", "sông": "river", "biển": "sea",
    "đảo": "island", "rừng": "forest", "núi": "mountain", "mưa": "rain", "bão": "storm", "lũ": "flood",
    "cháy": "fire", "chết": "died", "tử vong": "died", "thiệt hại": "damage", "nạn nhân": "victim",
    "đối tượng": "suspect", "vụ án": "case", "vụ": "case", "khởi tố": "prosecuted", "bắt": "arrested",
    "điều tra": "investigation", "phạt": "fined", "xử phạt": "fined", "vi phạm": "violation",
    "doanh nghiệp": "enterprise", "ngân hàng": "bank", "thị trường": "market", "đầu tư": "investment",
    "vốn": "capital", "xuất khẩu": "export", "nhập khẩu": "import", "hàng hóa": "goods", "sản phẩm": "product",
    "giá trị": "value", "tăng": "increased", "giảm": "decreased", "đạt": "reached", "chiếm": "accounted for",
    "tổng": "total", "tổng số": "total number", "khoảng": "about", "hơn nữa": "moreover",
    "dịch": "epidemic", "dịch bệnh": "epidemic", "vắc xin": "vaccine", "virus": "virus", "ca": "cases",
    "nhiễm": "infected", "xét nghiệm": "test", "cách ly": "quarantine", "thuốc": "medicine",
    "đội": "team", "đội tuyển": "national team", "trận": "match", "trận đấu": "match", "giải": "tournament",
    "vô địch": "champion", "bàn thắng": "goal", "cầu thủ": "player", "huấn luyện viên": "coach",
    "câu lạc bộ": "club", "thắng": "won", "thua": "lost", "ghi": "scored", "giành": "won",
    "ca sĩ": "singer", "phim": "film", "bài hát": "song", "sách": "book", "tác giả": "author",
    "công nghệ": "technology", "điện thoại": "phone", "máy tính": "computer", "mạng": "network",
    "điện": "electricity", "nước ngoài": "foreign", "quốc tế": "international", "trong nước": "domestic",
    "xã": "commune", "phường": "ward", "quận": "district", "thôn": "village", "làng": "village",
    "địa phương": "locality", "địa điểm": "location", "địa chỉ": "address", "trụ sở": "headquarters",
    "sinh": "born", "sinh ra": "born", "qua đời": "died", "kết hôn": "married", "vợ": "wife", "chồng": "husband",
    "con trai": "son", "con gái": "daughter", "cha": "father", "mẹ": "mother", "bố": "father",
    "chức vụ": "position", "nhiệm kỳ": "term", "bổ nhiệm": "appointed", "bầu": "elected", "từ chức": "resigned",
    "nhận": "received", "gửi": "sent", "mua": "bought", "bán": "sold", "xây": "built", "mở": "opened",
    "đóng": "closed", "đi": "went", "đến thăm": "visited", "thăm": "visited", "gặp": "met", "viết": "wrote",
    "đặt": "set", "chọn": "chose", "giúp": "helped", "muốn": "wanted", "cần": "needs", "phải": "must",
    "có thể": "can", "thể": "can", "giữ": "kept", "mất": "lost", "chuyển": "moved", "đưa": "brought",
    "khiến": "caused", "gây": "caused", "tạo": "created", "dẫn": "led", "sống": "lived", "ăn": "eat",
    "biết": "know", "thấy": "see", "nghĩ": "think", "hiểu": "understand", "học": "study",
    "mới": "new", "cũ": "old", "khác": "other", "chính": "main", "đặc biệt": "special", "chung": "common",
    "quan": "official", "an toàn": "safety", "an ninh": "security", "môi trường": "environment",
    "nông nghiệp": "agriculture", "công nghiệp": "industry", "du lịch": "tourism", "giao thông": "traffic",
    "dân": "people", "nhân viên": "staff", "công nhân": "workers", "lao động": "labour", "chuyên gia": "expert",
    "phóng viên": "reporter", "báo": "newspaper", "báo chí": "press", "thông tin": "information",
    "bài": "article", "tiếng": "language", "chữ": "script", "từ ngữ": "words",
}
_MORE_GLOSSARY = {**ENGLISH_GLOSSARY, **_MORE_WORDS}
_HONORIFICS = {"ông": "Mr", "bà": "Ms", "anh": "Mr", "chị": "Ms"}  # before a name: "ông Nguyễn Văn A"
_LONGEST_ENTRY = max(len(key.split()) for key in _MORE_GLOSSARY)

_WHEN = r"(?:vào\s+)?(?:ngày nào|thời gian nào|thời điểm nào|khi nào|bao giờ|lúc nào)"
# Vietnamese question shapes and their English order; ``{x}`` is glossed afterwards.
_SHAPES = (
    (re.compile(r"^(?P<x>.+?)\s+do\s+ai\s+(?P<v>.+?)\s*\?*$", re.I), "Who {v} {x}?"),
    (re.compile(r"^(?:ai là\s+)?người\s+(?P<x>.+?)\s+là\s+ai\s*\?*$", re.I), "Who {x}?"),
    (re.compile(r"^ai là người\s+(?P<x>.+?)\s*\?*$", re.I), "Who {x}?"),
    (re.compile(r"^(?P<x>.+?)\s+là\s+ai\s*\?*$", re.I), "Who is {x}?"),
    (re.compile(r"^ai là\s+(?P<x>.+?)\s*\?*$", re.I), "Who is {x}?"),
    (re.compile(r"^(?:những\s+)?ai\s+(?P<x>.+?)\s*\?*$", re.I), "Who {x}?"),
    (re.compile(r"^theo ai,?\s+(?P<x>.+?)\s*\?*$", re.I), "According to whom, {x}?"),
    (re.compile(rf"^(?P<x>.+?)\s+{_WHEN}\s*\?*$", re.I), "When {x}?"),
    (re.compile(r"^(?P<x>.+?)\s+(?:vào\s+|trong\s+)?năm\s+nào\s*\?*$", re.I), "In which year {x}?"),
    (re.compile(r"^(?P<x>.+?)\s+(?:vào\s+)?tháng\s+nào\s*\?*$", re.I), "In which month {x}?"),
    (re.compile(r"^(?P<x>.+?)\s+(?:ở|tại)\s+(?:đâu|nơi nào)\s*\?*$", re.I), "Where {x}?"),
    (re.compile(r"^(?P<x>.+?)\s+là\s+(?:gì|cái gì)\s*\?*$", re.I), "What is {x}?"),
    (re.compile(r"^(?P<x>.+?)\s+(?:là\s+)?bao nhiêu\s*\?*$", re.I), "How much is {x}?"),
    (re.compile(r"^có\s+bao nhiêu\s+(?P<v>.+?)\s*\?*$", re.I), "How many {v}?"),
    (re.compile(r"^(?P<x>.+?)\s+bao nhiêu\s+(?P<v>.+?)\s*\?*$", re.I), "How many {v} {x}?"),
    (re.compile(r"^(?:tại sao|vì sao)\s+(?P<x>.+?)\s*\?*$", re.I), "Why {x}?"),
)


def code_switched(question: str) -> str:
    return _GLOSSED.sub(lambda m: ENGLISH_GLOSSARY[m.group(1).lower()], question)


def _words(text: str) -> list[tuple[int, int]]:
    """Character spans of pyvi's words ("kháng sinh" one word, not "kháng" + "sinh")."""
    from pyvi import ViTokenizer

    spans, cursor = [], 0
    for token in ViTokenizer.tokenize(text).split():
        found = text.find(token.replace("_", " "), cursor)
        if found < 0:  # pyvi reshaped the spacing: keep the rest of the text as one word
            return spans + [(cursor, len(text))] if text[cursor:].strip() else spans
        spans.append((found, found + len(token)))
        cursor = found + len(token)
    return spans


def _english_word(words: list[str], at: int, *, opens_question: bool) -> tuple[str, int] | None:
    """The gloss of the longest known phrase at ``at`` and its length in words, if one applies."""
    if words[at].lower() in _HONORIFICS and at + 1 < len(words) and words[at + 1][:1].isupper():
        return _HONORIFICS[words[at].lower()], 1
    for n in range(min(_LONGEST_ENTRY, len(words) - at), 0, -1):
        phrase = " ".join(words[at:at + n])
        english = _MORE_GLOSSARY.get(phrase.lower())
        if english is not None and (phrase.islower() or (opens_question and at == 0) or english[:1].isupper()):
            return english, n
    return None


def _glossed(text: str, *, opens_question: bool) -> str:
    """Known words put in English when lowercase, opening the question, or a proper name with an
    English form (Việt Nam); other words, names and the spacing between them kept as typed."""
    spans = _words(text)
    words = [text[a:b] for a, b in spans]
    out, at, cursor = [], 0, 0
    while at < len(words):
        gloss = _english_word(words, at, opens_question=opens_question)
        english, n = gloss if gloss else (words[at], 1)
        out.append(text[cursor:spans[at][0]] + english)
        cursor, at = spans[at + n - 1][1], at + n
    return "".join(out) + text[cursor:]


def in_english(question: str) -> str:
    """The question in English word order, its known words glossed (see the module's docstring)."""
    question = question.strip()
    for shape, template in _SHAPES:
        match = shape.match(question)
        if match:
            parts = {k: _glossed(v, opens_question=match.start(k) == 0) for k, v in match.groupdict().items()}
            english = template.format(**parts)
            break
    else:
        english = _glossed(question, opens_question=True)
    english = re.sub(r"\s+([?,.:;!])", r"\1", re.sub(r"\s{2,}", " ", english)).strip()
    return english[:1].upper() + english[1:]


def in_english_bare(question: str) -> str:
    """``in_english`` typed without diacritics, names and leftover Vietnamese words included
    ("Where Hai be was dinh nhau?")."""
    return fold_accents(in_english(question))


def written_in_english(path: Path, rows: Iterable[dict]) -> list[tuple[str, dict]]:
    """(English question, its row) for each question a person put in plain English in ``path``
    (JSON Lines of ids and English, in the file's order), joined to ``rows`` by id."""
    by_id = {row["id"]: row for row in rows}
    written = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return [(w["question"], by_id[w["id"]]) for w in written]
