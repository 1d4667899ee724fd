// Bookmarks live in this browser's localStorage: no account, nothing kept on the server.
// Buttons ship hidden and appear here, so a page without JavaScript offers nothing that
// cannot work. The bookmarks page sends the saved slugs to the server, which renders
// the cards (htmx) and quietly drops slugs it no longer knows.
(() => {
  const STORE_KEY = "shiporskip:bookmarks";
  const MAX_BOOKMARKS = 50;
  const SLUG = /^[-a-zA-Z0-9_]{1,100}$/;

  function readBookmarks() {
    try {
      const saved = JSON.parse(localStorage.getItem(STORE_KEY) || "[]");
      if (!Array.isArray(saved)) return [];
      return saved.filter((slug) => typeof slug === "string" && SLUG.test(slug)).slice(0, MAX_BOOKMARKS);
    } catch {
      return [];
    }
  }

  function writeBookmarks(slugs) {
    try {
      localStorage.setItem(STORE_KEY, JSON.stringify(slugs.slice(0, MAX_BOOKMARKS)));
      return true;
    } catch {
      return false; // storage full or blocked (private mode): leave the list as it was
    }
  }

  function showButtons(root) {
    const saved = new Set(readBookmarks());
    for (const button of root.querySelectorAll("[data-bookmark]")) {
      const on = saved.has(button.dataset.bookmark);
      button.hidden = false;
      button.setAttribute("aria-pressed", String(on));
      button.querySelector(".bookmark-icon").textContent = on ? "★" : "☆";
      button.querySelector(".bookmark-label").textContent = on ? "Bookmarked" : "Bookmark";
    }
  }

  function loadBookmarkCards() {
    const loader = document.getElementById("bookmark-loader");
    if (!loader || !window.htmx) return;
    const loading = document.querySelector("[data-bookmarks-loading]");
    if (loading) loading.hidden = false;
    loader.elements.slugs.value = readBookmarks().join(",");
    htmx.trigger(loader, "bookmarks-ready");
  }

  function toggle(button) {
    const slug = button.dataset.bookmark;
    let slugs = readBookmarks();
    if (slugs.includes(slug)) {
      slugs = slugs.filter((saved) => saved !== slug);
    } else if (slugs.length >= MAX_BOOKMARKS) {
      button.querySelector(".bookmark-label").textContent = `Bookmarks full (${MAX_BOOKMARKS})`;
      return;
    } else {
      slugs = [slug, ...slugs];
    }
    if (!writeBookmarks(slugs)) return;
    showButtons(document);
    loadBookmarkCards();
  }

  // A comparison takes two: once two are ticked, the other boxes wait.
  function limitComparePicks(picker) {
    const boxes = [...picker.querySelectorAll("input[name=tool]")];
    const full = boxes.filter((box) => box.checked).length >= 2;
    for (const box of boxes) box.disabled = full && !box.checked;
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-bookmark]");
    if (button) toggle(button);
  });
  document.addEventListener("change", (event) => {
    const picker = event.target.closest(".compare-picker");
    if (picker) limitComparePicks(picker);
  });
  document.addEventListener("htmx:afterSettle", (event) => showButtons(event.detail.elt));
  // Another tab changed the list: keep this one honest.
  window.addEventListener("storage", (event) => {
    if (event.key !== STORE_KEY) return;
    showButtons(document);
    loadBookmarkCards();
  });
  // htmx wires up hx-trigger on DOMContentLoaded; this listener is added after its own.
  document.addEventListener("DOMContentLoaded", () => {
    showButtons(document);
    loadBookmarkCards();
  });
})();
