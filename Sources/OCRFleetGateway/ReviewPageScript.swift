/// The review page's script, served at `/review/app.js`: plain JavaScript over the review API,
/// no build step. Every text from an item goes into the page as text (`textContent`), never as
/// markup, and every failed request is shown in the error line.
enum ReviewPageScript {
    static let source = #"""
        "use strict";
        (() => {
          const $ = (id) => document.getElementById(id);
          const store = window.sessionStorage;
          let current = null;
          let editing = false;

          function showError(text) {
            const line = $("error");
            line.textContent = text;
            line.hidden = !text;
          }

          function status(text) { $("status").textContent = text; }

          async function api(method, path, body) {
            const headers = { "Accept": "application/json" };
            const token = store.getItem("ocrfleet.token");
            const reviewer = store.getItem("ocrfleet.reviewer");
            if (token) headers["Authorization"] = "Bearer " + token;
            if (reviewer) headers["X-Reviewer"] = reviewer;
            if (body !== undefined) headers["Content-Type"] = "application/json";
            const answer = await fetch(path, {
              method, headers, body: body === undefined ? undefined : JSON.stringify(body),
            });
            if (answer.status === 204) return null;
            const text = await answer.text();
            let data = null;
            try { data = text ? JSON.parse(text) : null; } catch (error) {
              throw new Error(method + " " + path + ": " + answer.status + " " + text.slice(0, 200));
            }
            if (!answer.ok) {
              const detail = data && data.error ? data.error.code + ": " + data.error.message : text;
              const failure = new Error(method + " " + path + ": " + answer.status + " " + detail);
              failure.status = answer.status;
              throw failure;
            }
            return data;
          }

          // Runs an action, showing what went wrong instead of dropping it.
          async function attempt(action) {
            try {
              showError("");
              await action();
            } catch (error) {
              showError(error.message || String(error));
              if (error.status === 401) signOut();
            }
          }

          function signOut() {
            store.removeItem("ocrfleet.token");
            $("sign-in").hidden = false;
            $("desk").hidden = true;
          }

          function pretty(value) {
            return value === undefined ? "" : JSON.stringify(value, null, 2);
          }

          async function refreshQueue() {
            const page = await api("GET", "/v1/reviews?state=open&limit=100");
            const list = $("queue");
            list.replaceChildren();
            for (const item of page.items) {
              const entry = document.createElement("li");
              const link = document.createElement("button");
              link.type = "button";
              link.textContent = item.id + "  " + (item.pointer || "page " + item.page) + "  " + item.reasons.join(", ");
              link.addEventListener("click", () => attempt(() => claim(item.id)));
              entry.append(link);
              list.append(entry);
            }
            $("queue-count").textContent = String(page.items.length) + (page.next ? "+" : "");
          }

          function showItem(item) {
            current = item;
            editing = false;
            $("item").hidden = !item;
            $("edit").hidden = true;
            if (!item) return;
            $("item-id").textContent = item.id;
            $("item-where").textContent =
              (item.label ? item.label + " " : "") + (item.kind === "field" ? item.pointer : "page " + item.page);
            $("item-state").textContent = item.state + (item.decision ? " (" + item.decision.action + " by " + item.decision.reviewer + ")" : "");
            $("item-reasons").textContent = item.reasons.join(", ") + (item.rule ? " (" + item.rule + ")" : "");
            $("item-message").textContent = item.message;
            $("item-confidence").textContent = item.confidence === undefined ? "" : item.confidence.toFixed(2);
            $("item-value").textContent = pretty(item.value);
            const context = $("item-context");
            context.replaceChildren();
            const cited = item.citation && item.citation.text ? item.citation.text : "";
            const at = cited ? item.context.indexOf(cited) : -1;
            if (at >= 0) {
              const mark = document.createElement("mark");
              mark.textContent = cited;
              context.append(item.context.slice(0, at), mark, item.context.slice(at + cited.length));
            } else {
              context.textContent = item.context;
            }
            const crop = $("item-crop");
            crop.hidden = !item.crop_url;
            if (item.crop_url) crop.src = item.crop_url; else crop.removeAttribute("src");
          }

          async function claimNext() {
            const item = await api("POST", "/v1/reviews/claim");
            showItem(item);
            status(item ? "claimed " + item.id + " until " + item.claim.until : "nothing open");
            await refreshQueue();
          }

          async function claim(id) {
            const item = await api("POST", "/v1/reviews/" + encodeURIComponent(id) + "/claim");
            showItem(item);
            status("claimed " + item.id + " until " + item.claim.until);
            await refreshQueue();
          }

          async function decide(action, value) {
            if (!current || current.state !== "claimed") throw new Error("claim an item first (n)");
            const body = { action };
            if (action === "correct") body.value = value;
            const note = $("note").value.trim();
            if (note) body.note = note;
            const item = await api("POST", "/v1/reviews/" + encodeURIComponent(current.id), body);
            $("note").value = "";
            showItem(item);
            status(item.id + " " + item.state + "; n for the next");
            await refreshQueue();
          }

          function startEdit() {
            if (!current || current.state !== "claimed") throw new Error("claim an item first (n)");
            editing = true;
            $("edit").hidden = false;
            const field = $("edit-value");
            field.value = JSON.stringify(current.value);
            field.focus();
            field.select();
          }

          async function saveEdit() {
            let value;
            try {
              value = JSON.parse($("edit-value").value);
            } catch (error) {
              throw new Error("the corrected value is not JSON: " + error.message);
            }
            await decide("correct", value);
          }

          function typing(target) {
            return target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA");
          }

          document.addEventListener("keydown", (event) => {
            if ($("desk").hidden || event.ctrlKey || event.metaKey || event.altKey) return;
            if (editing && event.target === $("edit-value")) {
              if (event.key === "Enter" && !event.shiftKey) {
                event.preventDefault();
                attempt(saveEdit);
              } else if (event.key === "Escape") {
                editing = false;
                $("edit").hidden = true;
              }
              return;
            }
            if (typing(event.target)) return;
            const actions = {
              c: () => decide("confirm"),
              e: async () => startEdit(),
              r: () => decide("reject"),
              n: claimNext,
            };
            const action = actions[event.key];
            if (!action) return;
            event.preventDefault();
            attempt(action);
          });

          $("sign-in").addEventListener("submit", (event) => {
            event.preventDefault();
            // A browser sends header values as Latin-1 only; another name could never be sent.
            if (/[^\u0020-\u007e\u00a0-\u00ff]/.test($("reviewer").value)) {
              showError("The reviewer name can only hold Latin-1 characters (a browser cannot send others in X-Reviewer).");
              return;
            }
            store.setItem("ocrfleet.token", $("token").value);
            store.setItem("ocrfleet.reviewer", $("reviewer").value);
            $("token").value = "";
            start();
          });
          $("sign-out").addEventListener("click", signOut);
          $("next").addEventListener("click", () => attempt(claimNext));

          function start() {
            if (store.getItem("ocrfleet.token") === null) {
              $("sign-in").hidden = false;
              $("desk").hidden = true;
              return;
            }
            $("sign-in").hidden = true;
            $("desk").hidden = false;
            $("who").textContent = store.getItem("ocrfleet.reviewer") || "(the token's reviewer)";
            attempt(refreshQueue);
          }
          start();
        })();
        """#
}
