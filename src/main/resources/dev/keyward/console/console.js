// Keyward console: the one script, served from the jar (CSP script-src 'self', nothing inline).
// Without it every page still works; it adds three things:
//  - live regions: an element with data-live="ApiKey Event" is refetched from this page's own URL
//    when the console's /events stream says one of those kinds changed (one stream per page, fed
//    by the console's informers: no polling);
//  - search as you type on the keys page (the URL follows, so the view stays bookmarkable);
//  - copy buttons: <button data-copy="id"> copies the value of the field with that id.

const regions = () => Array.from(document.querySelectorAll("main [data-live]"));

let refreshing = false;
let again = false;

async function refresh() {
  if (refreshing) {
    again = true;
    return;
  }
  refreshing = true;
  try {
    do {
      again = false;
      const response = await fetch(location.href, {
        credentials: "same-origin",
        headers: { "X-Keyward-Live": "1" },
        cache: "no-store",
      });
      const html = await response.text();
      const next = new DOMParser().parseFromString(html, "text/html");
      for (const region of regions()) {
        const fresh = region.id ? next.getElementById(region.id) : null;
        if (fresh) {
          region.replaceWith(document.importNode(fresh, true));
        } else {
          // The object is gone (deleted) or the page refused: show what the server said.
          const main = next.querySelector("main");
          region.innerHTML = main ? main.innerHTML : "";
        }
      }
    } while (again);
  } catch (e) {
    // The console stopped or the network failed: the page stays as it is; a reload retries.
  } finally {
    refreshing = false;
  }
}

function follow() {
  const live = regions();
  if (live.length === 0 || !("EventSource" in window)) {
    return;
  }
  const kinds = new Set(live.flatMap((r) => r.dataset.live.split(/\s+/)));
  const source = new EventSource("/events");
  source.addEventListener("change", (event) => {
    if (kinds.has(event.data)) {
      refresh();
    }
  });
  // A change between this page's render and the stream's opening, or while a dropped stream was
  // reconnecting (the browser does that by itself), was announced to nobody: catch up once.
  source.addEventListener("open", async () => {
    await refresh();
    document.documentElement.dataset.stream = "connected";
  });
  source.addEventListener("error", () => {
    document.documentElement.dataset.stream = "reconnecting";
  });
}

function searchAsYouType() {
  const form = document.querySelector("form.filters");
  if (!form) {
    return;
  }
  let timer;
  const apply = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const params = new URLSearchParams(new FormData(form));
      for (const [k, v] of Array.from(params.entries())) {
        if (v === "") {
          params.delete(k);
        }
      }
      const query = params.toString();
      history.replaceState(null, "", form.getAttribute("action") + (query ? "?" + query : ""));
      refresh();
    }, 200);
  };
  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
}

function copyButtons() {
  for (const button of document.querySelectorAll("button[data-copy]")) {
    button.hidden = false;
    button.addEventListener("click", async () => {
      const field = document.getElementById(button.dataset.copy);
      if (!field) {
        return;
      }
      let done = false;
      try {
        await navigator.clipboard.writeText(field.value);
        done = true;
      } catch (e) {
        field.select();
        done = document.execCommand("copy");
      }
      const status = document.getElementById(button.dataset.copy + "-status");
      if (status) {
        status.textContent = done ? "Copied." : "Select the field and copy it (Ctrl+C).";
      }
    });
  }
}

follow();
searchAsYouType();
copyButtons();
