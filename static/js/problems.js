// Problems: progressive enhancement only. Without this file every button is a plain form.
// - vote and follow buttons call the JSON API (/api/v1, the same protocol any script uses)
//   with the session cookie and the page's CSRF token, and update in place;
// - the dataset search on the proposal form suggests datasets as you type.
(function () {
  "use strict";

  // PUT turns a toggle on, DELETE turns it off. A cookie-authenticated API write needs the
  // CSRF token, sent in the X-CSRFToken header; the form carries the same token.
  function callApi(form, on) {
    var token = form.querySelector("input[name=csrf_token]");
    return fetch(form.getAttribute("data-api-url"), {
      method: on ? "PUT" : "DELETE",
      headers: { Accept: "application/json", "X-CSRFToken": token ? token.value : "" },
      credentials: "same-origin",
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) throw new Error("not json");
      return response.json().then(function (body) {
        return { ok: response.ok, status: response.status, body: body };
      });
    });
  }

  function announce(container, text) {
    var region = container.querySelector("[data-live]");
    if (!region) {
      region = document.createElement("span");
      region.className = "visually-hidden";
      region.setAttribute("data-live", "");
      region.setAttribute("role", "status");
      container.appendChild(region);
    }
    region.textContent = text;
  }

  // A toggle button (vote, follow): `render(on, body)` updates the page after the API answers.
  // The form's action keeps pointing at the plain route for the new state, so a fallback
  // submit (the login page, an unexpected answer) still does the right thing.
  function enhanceToggle(form, box, urls, render) {
    form.addEventListener("submit", function (event) {
      if (!form.getAttribute("data-api-url")) return;
      event.preventDefault();
      var button = form.querySelector("button");
      var on = form.getAttribute("data-on") !== "true";
      button.disabled = true;
      callApi(form, on)
        .then(function (result) {
          button.disabled = false;
          if (result.status === 401) {
            form.submit(); // the plain route sends the visitor to log in
            return;
          }
          if (!result.ok) {
            var message = result.body.error ? result.body.error.message : "That did not work.";
            announce(box, message);
            window.alert(message);
            return;
          }
          form.setAttribute("data-on", on ? "true" : "false");
          form.action = on ? form.getAttribute(urls[1]) : form.getAttribute(urls[0]);
          button.setAttribute("aria-pressed", on ? "true" : "false");
          render(on, result.body);
        })
        .catch(function () {
          button.disabled = false;
          form.submit(); // fall back to the plain form
        });
    });
  }

  function enhanceVote(form) {
    var box = form.closest("[data-vote]");
    var button = form.querySelector("button");
    enhanceToggle(form, box, ["data-vote-url", "data-unvote-url"], function (on, body) {
      var count = body.vote_count;
      var counter = box.querySelector("[data-vote-count]");
      counter.textContent = String(count);
      counter.setAttribute("aria-label", count + (count === 1 ? " vote" : " votes"));
      button.classList.toggle("is-voted", body.voted);
      box.querySelector("[data-vote-label]").textContent = body.voted ? "Voted" : "Vote";
      announce(box, body.voted ? "Your vote is counted." : "Your vote is withdrawn.");
    });
  }

  function enhanceFollow(form) {
    enhanceToggle(form, form, ["data-follow-url", "data-unfollow-url"], function (on, body) {
      form.querySelector("[data-follow-label]").textContent = body.following ? "Following" : "Follow";
      announce(form, body.following ? "You follow this problem." : "You no longer follow this problem.");
    });
  }

  function enhanceSuggest(box) {
    var input = box.querySelector("input[type=search]");
    var list = box.querySelector("[data-suggestions]");
    var selected = document.querySelector("[data-selected-datasets]");
    if (!input || !list || !selected) return;
    var url = box.getAttribute("data-suggest-url");
    var timer = null;
    var latest = 0;
    list.setAttribute("aria-label", "Suggested datasets");

    function choose(item) {
      var existing = selected.querySelector('input[value="' + item.id + '"]');
      if (existing) {
        existing.checked = true;
      } else {
        var li = document.createElement("li");
        var checkbox = document.createElement("input");
        checkbox.type = "checkbox";
        checkbox.name = "dataset_ids";
        checkbox.value = String(item.id);
        checkbox.id = "dataset-" + item.id;
        checkbox.checked = true;
        var label = document.createElement("label");
        label.htmlFor = checkbox.id;
        label.textContent = item.title;
        li.appendChild(checkbox);
        li.appendChild(document.createTextNode(" "));
        li.appendChild(label);
        selected.appendChild(li);
      }
      announce(box, "Added " + item.title + ".");
      list.hidden = true;
      input.value = "";
      input.focus();
    }

    function show(items) {
      list.textContent = "";
      items.forEach(function (item) {
        var li = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.className = "link-button";
        button.textContent = item.title + (item.publisher ? " — " + item.publisher : "");
        button.addEventListener("click", function () {
          choose(item);
        });
        li.appendChild(button);
        list.appendChild(li);
      });
      list.hidden = items.length === 0;
      announce(box, items.length ? items.length + " datasets suggested." : "No dataset matches.");
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      var q = input.value.trim();
      if (q.length < 2) {
        list.hidden = true;
        return;
      }
      timer = window.setTimeout(function () {
        var ticket = ++latest;
        fetch(url + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
          .then(function (response) {
            return response.json();
          })
          .then(function (body) {
            if (ticket === latest) show(body.items || []);
          })
          .catch(function () {
            list.hidden = true; // the "Search datasets" button still works
          });
      }, 200);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form.vote-form"), enhanceVote);
    Array.prototype.forEach.call(document.querySelectorAll("form.follow-form"), enhanceFollow);
    Array.prototype.forEach.call(document.querySelectorAll("[data-dataset-search]"), enhanceSuggest);
  });
})();
