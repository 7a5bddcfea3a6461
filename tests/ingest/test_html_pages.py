"""Saved news pages read as articles: headline, date and body, without the page around them.

The pages in tests/data/html are written in the style of three Vietnamese news sites, each
with a menu, breadcrumb, share buttons, a captioned photo, related links and a footer; the
expected paragraphs below are the article's own paragraphs as written in those files.
"""

from __future__ import annotations

import shutil
import unicodedata
from pathlib import Path

import pytest

from qa.cli import main as cli_main
from qa.errors import InputError
from qa.index.opening import open_index
from qa.ingest.corpus import ArticleDate, load_articles

PAGES = Path(__file__).resolve().parents[1] / "data" / "html"

VNEXPRESS = {
    "file": "vnexpress-buyt-dien.html",
    "title": "Hà Nội mở thêm 12 tuyến buýt điện từ tháng 6",
    "date": ArticleDate(2023, 5, 6),  # meta tags
    "url": "https://vnexpress.net/ha-noi-mo-them-12-tuyen-buyt-dien-tu-thang-6-4601234.html",
    "paragraphs": [
        "Theo Sở Giao thông Vận tải Hà Nội, 12 tuyến mới chủ yếu nối các khu đô thị phía tây với trung tâm thành phố, "
        "trong đó có tuyến từ Khu đô thị Vinhomes Smart City đến bến xe Long Biên và tuyến vành đai từ Cầu Giấy đi Hà Đông.",
        "Mỗi tuyến dự kiến chạy từ 5h đến 22h, tần suất 10 đến 15 phút một chuyến vào giờ cao điểm. Giá vé lượt giữ "
        "nguyên 7.000 đồng, người dân dùng vé tháng liên tuyến được đi tất cả các tuyến mới mà không phải trả thêm.",
        "Ông Trần Minh Quang, Giám đốc Sở Giao thông Vận tải, cho biết thành phố đặt mục tiêu đến năm 2025 có ít nhất "
        "30% số xe buýt dùng điện hoặc năng lượng xanh. Các doanh nghiệp vận tải được hỗ trợ chi phí trạm sạc tại những "
        "điểm đầu cuối.",
        "Trong quý đầu năm, mạng lưới xe buýt Hà Nội vận chuyển hơn 100 triệu lượt khách, tăng gần 12% so với cùng kỳ "
        "năm trước.",
    ],
    "boilerplate": [
        "Góc nhìn", "Đời sống", "Đăng nhập", "Thời sự",  # menu, header, breadcrumb
        "Xe buýt điện đón khách", "Ảnh: Ngọc Thành",  # photo caption
        "Chia sẻ", "Sao chép liên kết",  # share buttons
        "Xe buýt điện đầu tiên lăn bánh", "Giá vé xe buýt Hà Nội có thể tăng", "Giá xăng giảm",  # related, most read
        "giấy phép", "bản quyền", "FPT Tower",  # footer
    ],
}

TUOITRE = {
    "file": "tuoitre-lu-mien-trung.html",
    "title": "Quảng Nam sơ tán hơn 3.000 hộ dân trước lũ lớn",
    "date": ArticleDate(2023, 10, 14),  # visible text only: "14/10/2023 09:35 GMT+7"
    "url": "https://tuoitre.vn/quang-nam-so-tan-hon-3000-ho-dan-truoc-lu-lon-20231014093512345.htm",
    "paragraphs": [
        "Theo Ban Chỉ huy phòng chống thiên tai tỉnh Quảng Nam, đến 7h sáng nay, các huyện Đại Lộc, Duy Xuyên và thị xã "
        "Điện Bàn đã sơ tán hơn 3.000 hộ với gần 10.000 người ra khỏi vùng có nguy cơ ngập sâu.",
        "Mực nước sông Vu Gia tại trạm Ái Nghĩa lúc 6h đạt 9,2 m, vượt báo động 3 khoảng 0,2 m. Cơ quan khí tượng dự báo "
        "đỉnh lũ sẽ xuất hiện vào chiều tối cùng ngày, sau đó xuống chậm.",
        "Ông Lê Minh Sơn, phó chủ tịch UBND tỉnh, yêu cầu lực lượng vũ trang túc trực tại các điểm xung yếu, không để "
        "người dân quay về nhà khi nước còn dâng. Các trường học ở vùng thấp cho học sinh nghỉ học đến hết ngày 16/10.",
        "Tỉnh cũng chuẩn bị sẵn 200 tấn gạo, mì tôm và nước uống để cấp cho những khu dân cư bị chia cắt trong những "
        "ngày tới.",
    ],
    "boilerplate": [
        "Nhịp sống trẻ", "Đăng ký", "Phóng sự",  # menu, header, breadcrumb
        "chuyển đồ đạc lên gác cao", "Ảnh: THANH HÀ",  # photo caption
        "Gửi email", "Zalo", "In bài viết", "Bình luận",  # share and vote buttons
        "Tin liên quan", "Miền Trung mưa lớn", "thủy điện", "Cảnh báo sạt lở",  # related links, in the body and below
        "Từ khóa", "Thành Đoàn", "quảng cáo",  # tags, footer
    ],
}

CAND = {
    "file": "cand-an-ninh-mang.html",
    "title": "Triệt phá đường dây lừa đảo qua mạng chiếm đoạt hơn 50 tỷ đồng",
    "date": ArticleDate(2022, 11, 3),  # JSON-LD datePublished, and "07:45 03/11/2022" on the page
    "url": "https://cand.com.vn/Ban-tin-113/triet-pha-duong-day-lua-dao-qua-mang-chiem-doat-hon-50-ty-dong-i712345/",
    "paragraphs": [
        "Phòng An ninh mạng và phòng chống tội phạm sử dụng công nghệ cao Công an tỉnh Bình Dương vừa triệt phá một "
        "đường dây lừa đảo qua mạng xã hội, bắt giữ 9 đối tượng.",
        "Theo cơ quan điều tra, từ tháng 3/2022, các đối tượng lập hàng trăm tài khoản mạng xã hội giả danh nhân viên "
        "ngân hàng, hứa cho vay tiền lãi suất thấp rồi yêu cầu nạn nhân chuyển khoản phí hồ sơ. Khi nạn nhân chuyển "
        "tiền, chúng chặn liên lạc và xóa tài khoản.",
        "Qua nhiều tháng đấu tranh, Ban chuyên án xác định đường dây do Trần Văn Khải, 34 tuổi, cầm đầu, có cơ sở đặt "
        "tại một căn hộ chung cư ở thành phố Thủ Dầu Một. Các đối tượng đã lừa đảo hơn 1.200 người ở nhiều tỉnh, thành, "
        "chiếm đoạt hơn 50 tỷ đồng.",
        "Thượng tá Lê Văn Hùng, Trưởng phòng An ninh mạng, cho biết đơn vị đã thu giữ 35 điện thoại di động, 12 máy tính "
        "và hơn 400 sim rác. Công an tỉnh khuyến cáo người dân không chuyển tiền cho người lạ trên mạng, dù được hứa "
        "hẹn bất kỳ lợi ích nào.",
        "Vụ án đang được mở rộng điều tra.",
    ],
    "boilerplate": [
        "Trang chủ", "Bản tin 113", "CAND mang tên Bác", "Đặt báo",  # menu, breadcrumb, top bar
        "kiểm tra tang vật",  # photo caption
        "Facebook", "Sao chép đường dẫn",  # share buttons
        "Tin cùng chuyên mục", "trộm cắp tài sản", "giả danh công an", "Thời tiết chuyển rét",  # related, most read
        "Trần Bình Trọng", "Ghi rõ nguồn",  # footer
    ],
}

SITES = [VNEXPRESS, TUOITRE, CAND]


@pytest.mark.parametrize("page", SITES, ids=[site["file"].split("-")[0] for site in SITES])
def test_a_saved_news_page_gives_headline_date_and_the_article_paragraphs_only(page):
    (article,) = load_articles([PAGES / page["file"]]).articles
    assert article.title == page["title"] and not article.title_derived
    assert article.date == page["date"]
    assert article.text.split("\n\n") == page["paragraphs"]
    leaked = [text for text in page["boilerplate"] if text.lower() in article.text.lower()]
    assert leaked == []
    assert article.id == page["file"].removesuffix(".html")
    assert article.url == page["url"]
    assert article.source == str(PAGES / page["file"])


def test_a_decomposed_page_is_stored_in_nfc(tmp_path):
    decomposed = unicodedata.normalize("NFD", (PAGES / VNEXPRESS["file"]).read_text(encoding="utf-8"))
    assert decomposed != unicodedata.normalize("NFC", decomposed)
    (tmp_path / "nfd.html").write_text(decomposed, encoding="utf-8")
    (article,) = load_articles([tmp_path / "nfd.html"]).articles
    assert article.title == VNEXPRESS["title"]
    assert article.text.split("\n\n") == VNEXPRESS["paragraphs"]


def test_a_page_without_an_article_is_an_error_naming_the_file_or_a_skipped_record():
    page = PAGES / "no-article.html"
    with pytest.raises(InputError, match="no article text found") as raised:
        load_articles([page])
    assert raised.value.location == str(page)
    result = load_articles([PAGES], skip_bad=True)
    assert [s.location for s in result.skipped] == [str(page)]
    assert sorted(a.id for a in result.articles) == ["cand-an-ninh-mang", "tuoitre-lu-mien-trung", "vnexpress-buyt-dien"]


def test_a_page_that_states_no_date_is_undated_not_dated_by_its_copyright_year(tmp_path):
    html = (PAGES / TUOITRE["file"]).read_text(encoding="utf-8")
    html = html.replace('<div data-role="publishdate">14/10/2023 09:35 GMT+7</div>', "")
    html = html.replace("© Bản quyền thuộc Báo Tuổi Trẻ.", "© 2003-2024 Bản quyền thuộc Báo Tuổi Trẻ.")
    (tmp_path / "undated.html").write_text(html, encoding="utf-8")
    (article,) = load_articles([tmp_path / "undated.html"]).articles
    assert article.date is None
    assert article.text.split("\n\n") == TUOITRE["paragraphs"]


def test_htm_pages_and_text_files_load_together_from_a_folder(tmp_path):
    shutil.copy(PAGES / CAND["file"], tmp_path / "bai-cand.htm")
    (tmp_path / "ghi-chu.txt").write_text(" date 2022-05 Chiều 6.5, hội nghị diễn ra tại Hà Nội.", encoding="utf-8")
    by_id = {a.id: a for a in load_articles([tmp_path]).articles}
    assert set(by_id) == {"bai-cand", "ghi-chu"}
    assert by_id["bai-cand"].title == CAND["title"]


def test_file_names_in_capitals_load_as_their_kind(tmp_path):
    """Saved by a system that writes "TRANG.HTML": the page check and the loader agree."""
    shutil.copy(PAGES / CAND["file"], tmp_path / "TRANG.HTML")
    (tmp_path / "GHI-CHU.TXT").write_text(" date 2022-05 Chiều 6.5, hội nghị diễn ra tại Hà Nội.", encoding="utf-8")
    by_id = {a.id: a for a in load_articles([tmp_path]).articles}
    assert set(by_id) == {"TRANG", "GHI-CHU"} and by_id["TRANG"].title == CAND["title"]


def test_an_empty_page_is_an_error_naming_the_file(tmp_path):
    (tmp_path / "empty.html").write_bytes(b"  \n")
    with pytest.raises(InputError, match="empty.html: is empty"):
        load_articles([tmp_path / "empty.html"])


def test_qa_index_build_indexes_a_folder_of_saved_pages(tmp_path, monkeypatch, tiny_model, capsys):
    monkeypatch.setenv("QA_EMBEDDINGS_DIR", str(tmp_path / "emb"))
    folder = tmp_path / "pages"
    folder.mkdir()
    for page in SITES:
        shutil.copy(PAGES / page["file"], folder / page["file"])
    assert cli_main(["index", "build", str(folder), "--name", "pages", "--model", str(tiny_model),
                     "--backend", "torch"]) == 0
    assert "built index pages: 3 articles" in capsys.readouterr().out
    index = open_index("pages")
    assert {a.id: (a.title, a.date, a.url) for a in index.articles} == {
        page["file"].removesuffix(".html"): (page["title"], page["date"], page["url"]) for page in SITES}
    passages = " ".join(index.chunk(row).text for row in range(len(index)))
    assert "Thượng tá Lê Văn Hùng" in passages and "Tin cùng chuyên mục" not in passages
