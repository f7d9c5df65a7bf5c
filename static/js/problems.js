// Problems: progressive enhancement only. Without this file every button is a plain form.
// - vote and follow buttons call the JSON API (/api/v1, the same protocol any script uses)
//   with the session cookie and the page's CSRF token, and update in place;
// (the dataset search on the proposal form is dataset-picker.js);
// - "Show earlier/later comments" load the next page of comments in place (the links work
//   as plain links without it), and an old-style link to a comment not on this page
//   (/problems/1#comment-9) goes to the page that holds it.
(function () {
  "use strict";

  // PUT turns a toggle on, DELETE turns it off. A cookie-authenticated API write needs the
  // CSRF token, sent in the X-CSRFToken header; the form carries the same token. The API
  // answers in the Accept-Language it is sent (never the language cookie), so the page asks
  // for its own language: an error it shows reads like the rest of the page.
  function callApi(form, on) {
    var token = form.querySelector("input[name=csrf_token]");
    var headers = { Accept: "application/json", "X-CSRFToken": token ? token.value : "" };
    if (document.documentElement.lang) headers["Accept-Language"] = document.documentElement.lang;
    return fetch(form.getAttribute("data-api-url"), {
      method: on ? "PUT" : "DELETE",
      headers: headers,
      credentials: "same-origin",
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) throw new Error("not json");
      return response.json().then(function (body) {
        return { ok: response.ok, status: response.status, body: body };
      });
    });
  }

  // The page's words, in the reader's language: the data-say-* attributes of the form, or of
  // the hidden [data-words] element inside it (the templates fill them in; %(name)s is
  // replaced here). The English is only a fallback.
  function wordsOf(form) {
    return form.querySelector("[data-words]") || form;
  }

  function say(form, name, fallback, values) {
    return fill(wordsOf(form).getAttribute("data-say-" + name) || fallback, values);
  }

  function fill(text, values) {
    Object.keys(values || {}).forEach(function (key) {
      text = text.split("%(" + key + ")s").join(String(values[key]));
    });
    return text;
  }

  // Which plural form a number takes in the page's language: "one", "many" or "other" (the
  // Intl.PluralRules names; the templates fill data-say-NAME-one/-many/-other with ngettext).
  function pluralForm(count) {
    try {
      return new Intl.PluralRules(document.documentElement.lang || "en").select(count);
    } catch (error) {
      return count === 1 ? "one" : "other";
    }
  }

  // A counted phrase: the form for `count` (the -other one when the page gives no such form).
  function sayCount(form, name, count, one, other) {
    var words = wordsOf(form);
    var text = words.getAttribute("data-say-" + name + "-" + pluralForm(count)) || words.getAttribute("data-say-" + name + "-other");
    return fill(text || (count === 1 ? one : other), { count: count });
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
            var message = result.body.error ? result.body.error.message : say(form, "failed", "That did not work.");
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
      counter.setAttribute("aria-label", sayCount(form, "votes", count, "%(count)s vote", "%(count)s votes"));
      button.classList.toggle("is-voted", body.voted);
      box.querySelector("[data-vote-label]").textContent = body.voted ? say(form, "voted", "Voted") : say(form, "vote", "Vote");
      announce(
        box,
        body.voted ? say(form, "counted", "Your vote is counted.") : say(form, "withdrawn", "Your vote is withdrawn."),
      );
    });
  }

  function enhanceFollow(form) {
    enhanceToggle(form, form, ["data-follow-url", "data-unfollow-url"], function (on, body) {
      form.querySelector("[data-follow-label]").textContent = body.following
        ? say(form, "following", "Following")
        : say(form, "follow", "Follow");
      announce(
        form,
        body.following
          ? say(form, "followed", "You follow this problem.")
          : say(form, "unfollowed", "You no longer follow this problem."),
      );
    });
  }

  function fragmentUrl(href) {
    var url = new URL(href, window.location.href);
    url.hash = "";
    url.searchParams.set("fragment", "1");
    return url.toString();
  }

  // Replace the link's list item with the items of the page it points to. The answer holds
  // links to the pages beyond it on both sides; the one back towards this page is dropped.
  function loadComments(link) {
    var item = link.closest("[data-comment-nav]");
    var direction = item.getAttribute("data-comment-nav");
    link.setAttribute("aria-busy", "true");
    fetch(fragmentUrl(link.href), { headers: { Accept: "text/html" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("status " + response.status);
        return response.text();
      })
      .then(function (html) {
        var template = document.createElement("template");
        template.innerHTML = html;
        var items = Array.prototype.filter.call(template.content.children, function (child) {
          var nav = child.getAttribute("data-comment-nav");
          return child.tagName === "LI" && (!nav || nav === direction);
        });
        var list = item.parentNode;
        items.forEach(function (child) {
          list.insertBefore(child, item);
        });
        list.removeChild(item);
        enhanceCommentLinks(list);
        // Focus the first comment loaded, so keyboard and screen-reader users read on from it.
        var first = items.filter(function (child) {
          return !child.hasAttribute("data-comment-nav");
        })[0];
        var article = first && first.querySelector("article");
        if (article) {
          article.setAttribute("tabindex", "-1");
          article.focus();
        }
      })
      .catch(function () {
        window.location.href = link.href; // the plain link still works
      });
  }

  function enhanceCommentLinks(root) {
    Array.prototype.forEach.call(root.querySelectorAll("a[data-comments-more]"), function (link) {
      if (link.hasAttribute("data-enhanced")) return;
      link.setAttribute("data-enhanced", "");
      link.addEventListener("click", function (event) {
        if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey || event.button !== 0) return;
        event.preventDefault();
        loadComments(link);
      });
    });
  }

  // Links made before comments were paged point at /problems/<id>#comment-<cid>: when that
  // comment is not on this page, ask for the page that holds it.
  function findLinkedComment() {
    var match = /^#comment-(\d+)$/.exec(window.location.hash);
    if (!match || document.getElementById("comment-" + match[1])) return;
    if (!document.querySelector("[data-comment-list]")) return;
    var url = new URL(window.location.href);
    if (url.searchParams.get("comment") === match[1]) return;
    url.searchParams.set("comment", match[1]);
    window.location.replace(url.toString());
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form.vote-form"), enhanceVote);
    Array.prototype.forEach.call(document.querySelectorAll("form.follow-form"), enhanceFollow);
    enhanceCommentLinks(document);
    findLinkedComment();
  });
})();
