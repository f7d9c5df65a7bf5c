// The evidence page's catalog search, live: typing asks GET /api/v1/datasets?q= and lists the
// matches as radio buttons in the form, without reloading (the plain GET search still works).
(function () {
  "use strict";
  var search = document.querySelector("[data-dataset-search]");
  var field = document.querySelector("[data-dataset-picks]");
  if (!search || !field || !window.fetch) return;
  var input = search.querySelector("input[type=search]");
  var list = field.querySelector("[data-dataset-picks-list]");
  var status = field.querySelector("[data-dataset-picks-status]");
  var timer = null;
  var latest = 0;

  // The page's words, in the reader's language (templates/staff/_dataset_picks.html).
  function say(name, fallback, values) {
    return fill(field.getAttribute("data-say-" + name) || fallback, values);
  }

  function fill(text, values) {
    Object.keys(values || {}).forEach(function (key) {
      text = text.split("%(" + key + ")s").join(String(values[key]));
    });
    return text;
  }

  // A counted phrase in the plural form `count` takes in the page's language ("one", "many" or
  // "other": Intl.PluralRules' names, data-say-NAME-one/-many/-other in the template).
  function sayCount(name, count, one, other, values) {
    var form = count === 1 ? "one" : "other";
    try {
      form = new Intl.PluralRules(document.documentElement.lang || "en").select(count);
    } catch (error) {
      // an old browser: one or other, as in English
    }
    var text = field.getAttribute("data-say-" + name + "-" + form) || field.getAttribute("data-say-" + name + "-other");
    values.count = count;
    return fill(text || (count === 1 ? one : other), values);
  }

  function option(dataset) {
    var li = document.createElement("li");
    var radio = document.createElement("input");
    radio.type = "radio";
    radio.name = "found_dataset_id";
    radio.id = "found-dataset-" + dataset.id;
    radio.value = String(dataset.id);
    radio.setAttribute("aria-describedby", "dataset-picks-hint");
    var label = document.createElement("label");
    label.htmlFor = radio.id;
    label.textContent = dataset.title + " ";
    if (dataset.publisher) {
      var publisher = document.createElement("span");
      publisher.className = "muted";
      publisher.textContent = "\u2014 " + dataset.publisher + " ";
      label.appendChild(publisher);
    }
    var number = document.createElement("span");
    number.className = "muted";
    number.textContent = say("number", "(no. %(number)s)", { number: dataset.id });
    label.appendChild(number);
    li.appendChild(radio);
    li.appendChild(label);
    return li;
  }

  function run() {
    var q = input.value.trim();
    var ticket = ++latest;
    if (!q) {
      list.replaceChildren();
      status.textContent = say("empty", "Search the catalog above to cite a dataset not tied to this problem.");
      return;
    }
    var url = search.getAttribute("data-api") + "?limit=20&q=" + encodeURIComponent(q);
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (body) {
        if (ticket !== latest) return; // a newer search has started
        list.replaceChildren.apply(list, body.items.map(option));
        var total = Math.max(body.total || 0, body.items.length);
        if (!body.items.length) {
          status.textContent = say("none", "No active dataset matches \u201c%(query)s\u201d.", { query: q });
        } else if (total > body.items.length) {
          status.textContent = sayCount(
            "more",
            total,
            "%(count)s dataset matches \u201c%(q)s\u201d; the first %(limit)s are shown: add words to narrow the search.",
            "%(count)s datasets match \u201c%(q)s\u201d; the first %(limit)s are shown: add words to narrow the search.",
            { q: q, limit: body.items.length }
          );
        } else {
          status.textContent = sayCount(
            "match",
            total,
            "%(count)s dataset matches \u201c%(q)s\u201d: pick it; it wins over the list above.",
            "%(count)s datasets match \u201c%(q)s\u201d: pick one; it wins over the list above.",
            { q: q }
          );
        }
      })
      .catch(function () {
        if (ticket === latest) status.textContent = say("failed", "The search failed; press Find to search again.");
      });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(run, 250);
  });
  search.addEventListener("submit", function (event) {
    event.preventDefault();
    clearTimeout(timer);
    run();
  });
})();
