"""The page's own scripts and styles: what runs in the browser, kept apart from the layout.

The conversation and the sources panel are HTML rendered on the server; these scripts only
move between them: a marker previews its sentence (hover, or a tap on a phone) and brings its
card into view inside the sources panel (wide screens) or under the answer (phones), a full
article is fetched when opened, and 👍/👎 with a note go to ``WebApp.record_feedback``.
"""

from __future__ import annotations

WIDE_MIN_PX = 900  # below this the sources sit under each answer instead of beside the chat

# Shared by the conversation and the panel: both show cards whose full article is fetched on opening.
_FULL_ARTICLE = """
element.addEventListener('toggle', async (event) => {
  const details = event.target;
  if (!details.matches || !details.matches('details.qa-full') || !details.open || details.dataset.loaded) return;
  details.dataset.loaded = '1';
  const body = details.querySelector('.qa-article');
  try {
    const html = await server.full_article(details.dataset.collection, details.dataset.doc,
                                           JSON.parse(details.dataset.marks || '[]'));
    if (typeof html !== 'string') throw new Error('no article');
    body.innerHTML = html;  // escaped on the server, with <mark> around the cited spans only
  } catch (error) {
    delete details.dataset.loaded;
    body.textContent = 'Không tải được bài (could not load the article).';
  }
}, true);
"""

PANEL_JS = _FULL_ARTICLE

CONVERSATION_JS = _FULL_ARTICLE + """
const wide = () => window.matchMedia('(min-width: {WIDE}px)').matches;
function closePreviews(except) {
  element.querySelectorAll('.qa-cite-wrap.open').forEach((wrap) => {
    if (wrap === except) return;
    wrap.classList.remove('open');
    wrap.querySelector('.qa-cite').setAttribute('aria-expanded', 'false');
  });
}
function flash(card) {
  document.querySelectorAll('.qa-source.qa-flash').forEach((c) => c.classList.remove('qa-flash'));
  card.classList.add('qa-flash');
  setTimeout(() => card.classList.remove('qa-flash'), 2500);
}
function showSource(turn, number) {
  if (wide()) {
    const box = document.getElementById('qa-sources-panel');
    if (!box) return;
    box.querySelectorAll('.qa-panel-turn').forEach((block) => { block.hidden = block.dataset.turn !== String(turn); });
    const card = document.getElementById(`qa-panel-${turn}-${number}`);
    if (!card) return;
    // Scroll the panel only: the page (and the answer being read) stays where it is.
    const offset = card.getBoundingClientRect().top - box.getBoundingClientRect().top;
    box.scrollTo({top: box.scrollTop + offset - 8, behavior: 'smooth'});
    flash(card);
  } else {
    const sources = element.querySelector(`#qa-turn-${turn} .qa-inline-sources`);
    const card = document.getElementById(`qa-inline-${turn}-${number}`);
    if (!sources || !card) return;
    sources.open = true;
    card.scrollIntoView({block: 'nearest', behavior: 'smooth'});
    flash(card);
  }
}
async function rate(box, rating, note) {
  const payload = JSON.parse(box.closest('.qa-reply').dataset.feedback);
  const done = box.querySelector('.qa-fb-done');
  try {
    const id = await server.record_feedback(payload, rating, note, box.dataset.id || '');
    if (typeof id !== 'string' || !id) throw new Error('not recorded');
    box.dataset.id = id;
    box.dataset.rating = rating;
    done.textContent = note ? 'Đã lưu ghi chú. Cảm ơn! (note saved, thank you)' : 'Cảm ơn! (thank you)';
    box.querySelector('.qa-fb-note').hidden = Boolean(note);
  } catch (error) {
    done.textContent = 'Không gửi được (not sent)';
  }
}
element.addEventListener('click', (event) => {
  const cite = event.target.closest('.qa-cite');
  if (cite) {
    const wrap = cite.parentElement;
    const open = !wrap.classList.contains('open');
    closePreviews(wrap);
    wrap.classList.toggle('open', open);
    cite.setAttribute('aria-expanded', String(open));
    if (wide()) showSource(cite.dataset.turn, cite.dataset.num);
    return;
  }
  const opener = event.target.closest('.qa-open-source');
  if (opener) { closePreviews(null); showSource(opener.dataset.turn, opener.dataset.num); return; }
  const thumb = event.target.closest('.qa-fb');
  if (thumb) {
    const box = thumb.closest('.qa-feedback');
    box.querySelectorAll('.qa-fb').forEach((b) => b.setAttribute('aria-pressed', String(b === thumb)));
    rate(box, thumb.dataset.rating, '');
    return;
  }
  const send = event.target.closest('.qa-fb-send');
  if (send) {
    const box = send.closest('.qa-feedback');
    const note = box.querySelector('.qa-fb-note input').value.trim();
    if (note && box.dataset.rating) rate(box, box.dataset.rating, note);
    return;
  }
  if (!event.target.closest('.qa-preview')) closePreviews(null);
});
element.addEventListener('keydown', (event) => {
  if (event.key === 'Escape') closePreviews(null);
  if (event.key === 'Enter' && event.target.closest('.qa-fb-note input')) {
    event.target.closest('.qa-feedback').querySelector('.qa-fb-send').click();
  }
});
watch('value', () => {
  const panel = document.getElementById('qa-sources-panel');
  if (panel) panel.scrollTop = 0;  // the new answer's sources, from their first card
  const turns = element.querySelectorAll('.qa-turn');
  if (turns.length) turns[turns.length - 1].scrollIntoView({block: 'start', behavior: 'smooth'});
});
""".replace("{WIDE}", str(WIDE_MIN_PX))

CONFIRM_CLEAR_JS = "() => confirm('Xoá toàn bộ hội thoại? (Clear the whole conversation?)')"
CONFIRM_DELETE_JS = ("(yes, name) => [confirm('Xoá hẳn bộ sưu tập “' + name + '” và mọi bài trong đó? "
                     "(Delete this collection and all its articles?)'), name]")

CSS = """
.qa-header h1 { margin: 0; font-size: 1.45rem; }
.qa-header p { margin: .2rem 0 0; color: var(--body-text-color-subdued); font-size: .92em; }
.qa-collection-line { margin: .1rem 0 .4rem; font-size: .95em; }
.qa-preparing { max-width: 720px; margin: 3rem auto; padding: 1.5rem; border: 1px solid var(--border-color-primary);
  border-radius: 12px; }
.qa-preparing progress { width: 60%; vertical-align: middle; }
.qa-conversation { display: flex; flex-direction: column; gap: 14px; }
.qa-empty-chat { padding: 1rem; border: 1px dashed var(--border-color-primary); border-radius: 10px; }
.qa-turn { scroll-margin-top: 8px; }
.qa-question { align-self: flex-end; margin-left: 15%; padding: .55rem .8rem; border-radius: 12px;
  background: var(--background-fill-secondary); }
.qa-who { display: block; font-size: .75em; color: var(--body-text-color-subdued); }
.qa-reply { margin-top: 8px; padding: .6rem .85rem; border: 1px solid var(--border-color-primary); border-radius: 12px; }
.qa-reply p { margin: .3rem 0; }
.qa-answer-head { display: flex; gap: .5rem; align-items: center; font-size: .85em; }
.qa-trust { font-weight: 600; padding: 1px 8px; border-radius: 999px; }
.qa-trust-answered { background: #dcfce7; color: #14532d; }
.qa-trust-unsure { background: #fef3c7; color: #78350f; }
.qa-trust-not_found { background: #e5e7eb; color: #1f2937; }
.qa-answer-text { font-size: 1.12em; }
.qa-possibly { color: var(--body-text-color-subdued); }
.qa-possibly + .qa-answer-text { font-weight: 500; }
.qa-proof { margin: .35rem 0; padding: .2rem .7rem; border-left: 3px solid var(--border-color-primary);
  font-size: .9em; color: var(--body-text-color-subdued); }
.qa-understood, .qa-note, .qa-muted { color: var(--body-text-color-subdued); font-size: .88em; }
.qa-cite-wrap { position: relative; display: inline-block; }
.qa-cite { min-width: 34px; min-height: 30px; padding: 2px 6px; margin: 0 1px; border-radius: 8px; cursor: pointer;
  font-weight: 700; color: var(--color-accent); background: var(--background-fill-secondary);
  border: 1px solid var(--border-color-primary); font-size: .9em; }
.qa-preview { display: none; position: absolute; z-index: 20; left: 0; top: calc(100% + 4px); width: max-content;
  max-width: min(340px, 82vw); padding: .55rem .7rem; border-radius: 10px; font-size: .86em; line-height: 1.45;
  background: var(--background-fill-primary); border: 1px solid var(--border-color-primary);
  box-shadow: 0 6px 18px rgba(0,0,0,.18); white-space: normal; font-weight: 400; }
.qa-cite-wrap.open .qa-preview { display: block; }
@media (hover: hover) and (min-width: {WIDE}px) { .qa-cite-wrap:hover .qa-preview { display: block; } }
.qa-preview-title { display: block; font-weight: 600; }
.qa-preview-date { display: block; color: var(--body-text-color-subdued); font-size: .92em; margin-bottom: .25rem; }
.qa-preview-text { display: block; }
.qa-open-source { display: block; font-size: inherit; margin-top: .4rem; padding: 4px 8px; min-height: 30px; border-radius: 8px; cursor: pointer;
  border: 1px solid var(--border-color-primary); background: var(--background-fill-secondary); }
.qa-feedback { display: flex; gap: .35rem; align-items: center; flex-wrap: wrap; margin-top: .4rem; }
.qa-fb { min-width: 40px; min-height: 34px; padding: 2px 10px; border-radius: 8px; cursor: pointer; font-size: .85rem;
  border: 1px solid var(--border-color-primary); background: transparent; color: inherit; }
.qa-fb[aria-pressed="true"] { background: var(--background-fill-secondary); border-color: var(--color-accent); }
.qa-fb-done { font-size: .85em; color: var(--body-text-color-subdued); }
.qa-fb-note input { min-height: 34px; padding: 2px 8px; border-radius: 8px; border: 1px solid var(--border-color-primary);
  background: var(--background-fill-primary); color: inherit; width: min(260px, 60vw); }
.qa-fb-send { min-height: 34px; padding: 2px 10px; border-radius: 8px; cursor: pointer; border: 1px solid var(--border-color-primary);
  background: var(--background-fill-secondary); }
.qa-inline-sources summary, .qa-full summary { cursor: pointer; color: var(--color-accent); font-size: .9em; padding: .3rem 0; }
/* Gradio's container hides overflow, which would pin the sticky panel to it: clip sideways only. */
.gradio-container { overflow-x: clip !important; overflow-y: visible !important; }
#qa-sources-col { align-self: flex-start; position: sticky; top: 8px; }
#qa-sources-panel { max-height: calc(100vh - 24px); overflow-y: auto; padding-right: 4px; }
.qa-sources-head { font-size: .9em; color: var(--body-text-color-subdued); margin-bottom: .5rem; }
.qa-group { margin: .6rem 0 .3rem; font-size: .95em; }
.qa-legend { font-size: .8em; margin-bottom: .5rem; }
.qa-source { border: 1px solid var(--border-color-primary); border-radius: 10px; padding: 10px 12px; margin-bottom: 10px;
  background: var(--background-fill-primary); transition: outline-color .3s; outline: 2px solid transparent; }
.qa-source.qa-flash { outline-color: var(--color-accent); }
.qa-num { font-weight: 700; color: var(--color-accent); margin-right: .25rem; }
.qa-title { font-weight: 600; }
.qa-meta { font-size: .82em; color: var(--body-text-color-subdued); margin: .25rem 0 .45rem; }
.qa-passage { padding: .45rem .65rem; border-left: 3px solid var(--color-accent); white-space: pre-wrap; font-size: .93em;
  line-height: 1.55; background: var(--background-fill-secondary); border-radius: 0 6px 6px 0; }
.qa-article { white-space: pre-wrap; font-size: .9em; line-height: 1.55; padding: .45rem .65rem; margin-top: .35rem;
  border: 1px solid var(--border-color-primary); border-radius: 6px; }
mark.qa-sentence { background: #fff0a6; color: #1f2328; padding: 0 1px; border-radius: 2px; }
mark.qa-answer { background: #ffbf2e; color: #1f2328; font-weight: 700; border-radius: 2px; }
.qa-empty { padding: 1rem; border: 1px dashed var(--border-color-primary); border-radius: 10px; }
.qa-chip { flex: 0 1 auto !important; min-width: 0 !important; }
@media (min-width: {WIDE}px) { .qa-inline-sources { display: none; } }
@media (max-width: {NARROW}px) {
  #qa-sources-col { display: none !important; }
  .qa-question { margin-left: 8%; }
  .qa-reply { position: relative; }
  .qa-cite-wrap { position: static; }
  .qa-preview { left: 8px; right: 8px; width: auto; max-width: none; }
}
""".replace("{WIDE}", str(WIDE_MIN_PX)).replace("{NARROW}", str(WIDE_MIN_PX - 1))
