// The dataset picker on the propose/edit form, searched live over the JSON API
// (GET /api/v1/datasets?q=...). Progressive enhancement only: without this file the
// "Search datasets" button posts the form and the page lists the same results.
// - results appear as you type (and on Enter or the button) without reloading the page,
//   as the same checkboxes the page renders: publisher, last update, a line of description;
// - a ticked result moves up to the chosen datasets, so a new search never loses it;
// - when nothing matches, the note points to "the data I need is not published".
(function () {
  "use strict";

  var DELAY_MS = 250;
  var SUMMARY_LENGTH = 140;
  var words = document.querySelector("[data-dataset-picker]");

  // The page's words, in the reader's language: the picker's data-say-* attributes
  // (templates/problems/new.html; %(name)s is replaced here). The English is only a fallback.
  function say(name, fallback, values) {
    return fill((words && words.getAttribute("data-say-" + name)) || fallback, values);
  }

  function fill(text, values) {
    Object.keys(values || {}).forEach(function (key) {
      text = text.split("%(" + key + ")s").join(String(values[key]));
    });
    return text;
  }

  // A counted phrase in the plural form `count` takes in the page's language: "one", "many" or
  // "other" (Intl.PluralRules' names; the template fills data-say-NAME-one/-many/-other with
  // ngettext), the -other one when the page gives no such form, the English without any.
  function sayCount(name, count, one, other, values) {
    var form = count === 1 ? "one" : "other";
    try {
      form = new Intl.PluralRules(document.documentElement.lang || "en").select(count);
    } catch (error) {
      // an old browser: one or other, as in English
    }
    var text = words && (words.getAttribute("data-say-" + name + "-" + form) || words.getAttribute("data-say-" + name + "-other"));
    return fill(text || (count === 1 ? one : other), values);
  }

  function plainText(html) {
    // Catalog descriptions may hold HTML: read its text without running or loading anything.
    var doc = new DOMParser().parseFromString(html || "", "text/html");
    return (doc.body.textContent || "").replace(/\s+/g, " ").trim();
  }

  function summary(text) {
    if (text.length <= SUMMARY_LENGTH) return text;
    var cut = text.slice(0, SUMMARY_LENGTH);
    var space = cut.lastIndexOf(" ");
    return (space > 40 ? cut.slice(0, space) : cut) + "…";
  }

  // The month, cut short, in the page's language (<html lang>, which the server sets), by the
  // browser's own Intl; the page's data-say-months (or English) where Intl cannot say it.
  function shortMonth(date) {
    var lang = document.documentElement.lang || "en";
    try {
      var parts = new Intl.DateTimeFormat(lang, { month: "short", timeZone: "UTC" }).formatToParts(date);
      var month = parts.filter(function (part) {
        return part.type === "month";
      })[0];
      if (month) return month.value.replace(/\.$/, "");
    } catch (error) {
      // an old browser or an unknown tag: the names below
    }
    return say("months", "Jan,Feb,Mar,Apr,May,Jun,Jul,Aug,Sep,Oct,Nov,Dec").split(",")[date.getUTCMonth()];
  }

  function formatDate(iso) {
    var date = new Date(iso);
    if (isNaN(date.getTime())) return "";
    // The page's own format: 26 Nov 2026 (26 nov 2026 in Spanish). A day, not an instant:
    // read in UTC so it never shifts across midnight.
    return date.getUTCDate() + " " + shortMonth(date) + " " + date.getUTCFullYear();
  }

  function span(className, text) {
    var element = document.createElement("span");
    element.className = className;
    element.textContent = text;
    return element;
  }

  function option(item) {
    var li = document.createElement("li");
    li.className = "dataset-option";
    var checkbox = document.createElement("input");
    checkbox.type = "checkbox";
    checkbox.name = "dataset_ids";
    checkbox.value = String(item.id);
    checkbox.id = "dataset-" + item.id;
    var label = document.createElement("label");
    label.htmlFor = checkbox.id;
    label.appendChild(span("dataset-option-title", item.title));
    var meta = span("dataset-option-meta", item.publisher || say("no-publisher", "Publisher not given"));
    if (item.modified) {
      // "updated %(date)s": the words around the date, and the date as a <time>.
      var updated = say("updated", "updated %(date)s").split("%(date)s");
      meta.appendChild(document.createTextNode(" · " + updated[0]));
      var time = document.createElement("time");
      time.dateTime = item.modified;
      time.textContent = formatDate(item.modified);
      meta.appendChild(time);
      if (updated[1]) meta.appendChild(document.createTextNode(updated[1]));
    }
    label.appendChild(meta);
    var text = summary(plainText(item.description));
    if (text) label.appendChild(span("dataset-option-summary", text));
    li.appendChild(checkbox);
    li.appendChild(label);
    return li;
  }

  function enhance(box) {
    var input = box.querySelector("input[type=search]");
    var button = box.querySelector("[data-dataset-search-button]");
    var results = box.querySelector("[data-dataset-results]");
    var status = box.querySelector("[data-dataset-status]");
    var none = box.querySelector("[data-dataset-none]");
    var noneQuery = box.querySelector("[data-dataset-none-q]");
    var selected = document.querySelector("[data-selected-datasets]");
    if (!input || !results || !status || !none || !selected) return;
    var url = box.getAttribute("data-api-url");
    var limit = box.getAttribute("data-limit") || "10";
    var timer = null;
    var latest = 0;
    var lastQuery = input.value.trim();

    // A ticked result joins the chosen datasets, where later searches leave it alone.
    results.addEventListener("change", function (event) {
      var checkbox = event.target;
      if (checkbox.name !== "dataset_ids" || !checkbox.checked) return;
      selected.appendChild(checkbox.closest("li"));
      checkbox.focus();
    });

    function show(query, body) {
      var chosen = {};
      Array.prototype.forEach.call(selected.querySelectorAll("input[name=dataset_ids]"), function (box) {
        chosen[box.value] = true;
      });
      results.textContent = "";
      var items = (body.items || []).filter(function (item) {
        return !chosen[String(item.id)];
      });
      items.forEach(function (item) {
        results.appendChild(option(item));
      });
      var total = body.total || 0;
      none.hidden = total !== 0;
      noneQuery.textContent = query;
      if (total === 0) {
        status.textContent = "";
      } else if (items.length === 0) {
        status.textContent = say("all-ticked", "Every dataset matching “%(q)s” is ticked above.", { q: query });
      } else {
        var values = { count: total, q: query, limit: body.items.length };
        if (total > body.items.length) {
          status.textContent = sayCount(
            "more",
            total,
            "%(count)s dataset matches “%(q)s”; the first %(limit)s are shown: add words to narrow the search.",
            "%(count)s datasets match “%(q)s”; the first %(limit)s are shown: add words to narrow the search.",
            values,
          );
        } else {
          status.textContent = sayCount("match", total, "%(count)s dataset matches “%(q)s”.", "%(count)s datasets match “%(q)s”.", values);
        }
      }
    }

    function search() {
      window.clearTimeout(timer);
      var query = input.value.trim();
      if (query === lastQuery) return; // nothing new typed (Enter and the button search again)
      if (query.length < 2) {
        lastQuery = query;
        results.textContent = "";
        status.textContent = "";
        none.hidden = true;
        return;
      }
      var ticket = ++latest;
      box.setAttribute("aria-busy", "true");
      var address = url + "?q=" + encodeURIComponent(query) + "&limit=" + encodeURIComponent(limit);
      fetch(address, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error("status " + response.status);
          return response.json();
        })
        .then(function (body) {
          if (ticket !== latest) return; // an answer to an older search
          lastQuery = query;
          box.removeAttribute("aria-busy");
          show(query, body);
        })
        .catch(function () {
          if (ticket !== latest) return;
          box.removeAttribute("aria-busy");
          status.textContent = say("failed", "The search did not answer. “Search datasets” still works.");
          if (button) button.hidden = false;
        });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(search, DELAY_MS);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") return;
      event.preventDefault(); // Enter searches; it does not post the whole form
      lastQuery = null;
      search();
    });
    if (button) {
      button.addEventListener("click", function (event) {
        event.preventDefault();
        lastQuery = null;
        search();
      });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-dataset-picker]"), enhance);
  });
})();
