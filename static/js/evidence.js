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
    number.textContent = "(no. " + dataset.id + ")";
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
      status.textContent = "Search the catalog above to cite a dataset not tied to this problem.";
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
        status.textContent = body.items.length
          ? body.items.length + " of " + body.total + " matching datasets: pick one; it wins over the list above."
          : "No active dataset matches \u201c" + q + "\u201d.";
      })
      .catch(function () {
        if (ticket === latest) status.textContent = "The search failed; press Find to search again.";
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
