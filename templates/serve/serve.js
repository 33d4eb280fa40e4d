// The preview's pages update themselves: server-sent events say which document changed,
// and the page fetches its new version (first the problem list, then the document).
"use strict";
(() => {
  const body = document.body;
  const isIndex = body.classList.contains("index-page");
  let chain = Promise.resolve();
  let marked = null;

  function later(task) {
    chain = chain.then(task).catch(() => {});
  }

  async function fetchPage(part) {
    const url = new URL(location.href);
    if (part) url.searchParams.set("part", part);
    const response = await fetch(url, { cache: "no-store" });
    return new DOMParser().parseFromString(await response.text(), "text/html");
  }

  function replace(next, selector) {
    const old = document.querySelector(selector);
    const fresh = next.querySelector(selector);
    if (old && fresh) old.replaceWith(document.importNode(fresh, true));
  }

  async function updateProblems() {
    replace(await fetchPage("problems"), "#problems");
  }

  async function updatePage() {
    const next = await fetchPage("");
    if (next.body.dataset.path !== body.dataset.path) return;
    for (const selector of ["#status", "#problems", "#alerts", ".bar .pdf"]) replace(next, selector);
    const old = document.getElementById("doc");
    const fresh = next.getElementById("doc");
    if (old && fresh) {
      if (old.getAttribute("srcdoc") !== fresh.getAttribute("srcdoc")) {
        const y = old.contentWindow ? old.contentWindow.scrollY : 0;
        old.addEventListener("load", () => old.contentWindow.scrollTo(0, y), { once: true });
        old.setAttribute("srcdoc", fresh.getAttribute("srcdoc"));
      }
    } else if (old || fresh) {
      replace(next, "#document");
    }
    body.dataset.version = next.body.dataset.version;
    body.dataset.updates = String(Number(body.dataset.updates || 0) + 1);
  }

  async function updateIndex() {
    const next = await fetchPage("");
    replace(next, "#projects");
    replace(next, "#summary");
    body.dataset.updates = String(Number(body.dataset.updates || 0) + 1);
  }

  // A click on a problem scrolls the document to the cell it marks.
  function jump(item) {
    const frame = document.getElementById("doc");
    const doc = frame && frame.contentDocument;
    if (!doc || !item.dataset.field) return;
    const cell = doc.querySelector(`[data-field="${CSS.escape(item.dataset.field)}"]`);
    if (!cell) return;
    if (marked) marked.style.outline = "";
    cell.style.outline = "3px solid #1a56db";
    marked = cell;
    cell.scrollIntoView({ block: "center" });
  }
  document.addEventListener("click", (event) => {
    const item = event.target.closest("li.problem[data-field]");
    if (item) jump(item);
  });
  document.addEventListener("keydown", (event) => {
    const item = event.target.closest && event.target.closest("li.problem[data-field]");
    if (item && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      jump(item);
    }
  });

  if (!window.EventSource || body.classList.contains("missing-page")) return;
  let wasOpen = false;
  const events = new EventSource("/events");
  events.addEventListener("open", () => {
    body.dataset.live = "on";
    if (wasOpen) later(isIndex ? updateIndex : updatePage); // the server came back: catch up
    wasOpen = true;
  });
  events.addEventListener("error", () => {
    body.dataset.live = "off";
  });
  events.addEventListener("change", (event) => {
    const message = JSON.parse(event.data);
    if (isIndex) {
      later(updateIndex);
    } else if (message.path === body.dataset.path) {
      later(message.stage === "checked" ? updateProblems : updatePage);
    }
  });
})();
