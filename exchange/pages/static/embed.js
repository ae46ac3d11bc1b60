/*
 * Zhanqun search box (站群搜索框), embedded in a cluster site with one script tag:
 *
 *   <script src="https://SEARCH-HOST/embed.js" data-site="530521" data-scope="branch"
 *           data-placeholder="搜索本站信息" async></script>
 *
 * It renders a search form right after the script tag, inside a shadow root so the host
 * page's styles and the box's styles cannot touch each other. As the citizen types it asks
 * /v1/suggest (a CORS call, allowed for registered cluster site origins) and offers
 * completions as an ARIA 1.2 combobox: arrow keys move, Enter picks, Escape closes, and a
 * live region tells screen readers how many suggestions there are. The form submits to the
 * results page (/search) with a plain GET, so nothing depends on the suggestions working.
 * Suggestion text is only ever set as text, never as HTML.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || !script.src) {
    return;
  }
  var SCOPES = ["site", "branch", "tier", "cluster"];
  var DEBOUNCE_MS = 120;
  var MAX_SUGGESTIONS = 8;
  var CSS = [
    ":host { all: initial; display: block; position: relative; max-width: 40rem;",
    "  font: 16px/1.5 system-ui, -apple-system, 'PingFang SC', 'Microsoft YaHei',",
    "  'Noto Sans CJK SC', sans-serif; color: #1b1b1b; }",
    "form { display: flex; gap: 8px; margin: 0; }",
    ".field { position: relative; flex: 1; min-width: 0; }",
    "input { box-sizing: border-box; width: 100%; margin: 0; font: inherit; font-size: 17px;",
    "  padding: 7px 10px; border: 2px solid #5c5c5c; border-radius: 4px; background: #fff;",
    "  color: #1b1b1b; }",
    "input::placeholder { color: #6b6b6b; opacity: 1; }",
    "button { flex: none; margin: 0; font: inherit; font-size: 17px; cursor: pointer;",
    "  padding: 7px 18px; border: 2px solid #a01c1c; border-radius: 4px; background: #a01c1c;",
    "  color: #fff; }",
    "input:focus-visible, button:focus-visible { outline: 3px solid #1b1b1b; outline-offset: 2px; }",
    "ul { position: absolute; z-index: 2147483000; left: 0; right: 0; top: 100%;",
    "  margin: 2px 0 0; padding: 4px 0; list-style: none; background: #fff;",
    "  border: 1px solid #767676; border-radius: 4px; box-shadow: 0 4px 12px rgba(0,0,0,.18); }",
    "li { padding: 6px 10px; cursor: pointer; color: #1b1b1b; }",
    "li:hover { background: #eef2f8; }",
    "li[aria-selected='true'] { background: #0b4ea2; color: #fff; }",
    ".service { border-bottom: 1px solid #d5d5d5; }",
    ".badge { display: inline-block; margin-right: 6px; padding: 0 5px; font-size: 14px;",
    "  border-radius: 3px; background: #1e6b2e; color: #fff; }",
    ".where { display: block; font-size: 14px; color: #4a4a4a; }",
    "li[aria-selected='true'] .where { color: #fff; }",
    "[hidden] { display: none !important; }",
    ".sr { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0;",
    "  overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }"
  ].join("\n");

  function element(name, attributes, text) {
    var node = document.createElement(name);
    Object.keys(attributes || {}).forEach(function (key) {
      node.setAttribute(key, attributes[key]);
    });
    if (text) {
      node.textContent = text;
    }
    return node;
  }

  function hidden(name, value) {
    return element("input", { type: "hidden", name: name, value: value });
  }

  function style(root) {
    if ("adoptedStyleSheets" in root && typeof CSSStyleSheet === "function") {
      try {
        var sheet = new CSSStyleSheet();
        sheet.replaceSync(CSS);
        root.adoptedStyleSheets = [sheet];
        return;
      } catch (error) {
        // Older engines without constructable stylesheets fall through to a <style>.
      }
    }
    root.appendChild(element("style", {}, CSS));
  }

  function build() {
    var site = script.getAttribute("data-site") || "";
    var scope = script.getAttribute("data-scope") || "";
    if (SCOPES.indexOf(scope) < 0) {
      scope = site ? "site" : "cluster";
    }
    var placeholder = script.getAttribute("data-placeholder") || "请输入搜索词";
    var host = element("div", { "class": "zhanqun-search" });
    script.parentNode.insertBefore(host, script.nextSibling);
    var root = host.attachShadow({ mode: "open" });
    style(root);

    var form = element("form", {
      role: "search",
      method: "get",
      action: new URL("search", script.src).href,
      "aria-label": "站内搜索"
    });
    var label = element("label", { "for": "q", "class": "sr" }, "搜索词");
    var field = element("div", { "class": "field" });
    var input = element("input", {
      id: "q",
      name: "q",
      type: "search",
      role: "combobox",
      "aria-autocomplete": "list",
      "aria-expanded": "false",
      "aria-controls": "suggestions",
      autocomplete: "off",
      maxlength: "256",
      enterkeyhint: "search",
      placeholder: placeholder
    });
    var list = element("ul", { id: "suggestions", role: "listbox", "aria-label": "搜索建议" });
    list.hidden = true;
    var status = element("div", { role: "status", "aria-live": "polite", "class": "sr" });
    field.appendChild(input);
    field.appendChild(list);
    form.appendChild(label);
    form.appendChild(field);
    if (site) {
      form.appendChild(hidden("site", site));
      form.appendChild(hidden("scope", scope));
    }
    form.appendChild(element("button", { type: "submit" }, "搜索"));
    root.appendChild(form);
    root.appendChild(status);
    return { form: form, input: input, list: list, status: status, site: site };
  }

  function combobox(box) {
    var suggestUrl = new URL("v1/suggest", script.src);
    var items = [];
    var active = -1;
    var timer = 0;
    var asked = 0;
    var composing = false;

    function open() {
      return !box.list.hidden;
    }

    function close() {
      box.list.hidden = true;
      box.input.setAttribute("aria-expanded", "false");
      box.input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function optionFor(suggestion, index) {
      var attributes = { id: "suggestion-" + index, role: "option", "aria-selected": "false" };
      var url = suggestion.source === "service" ? webLink(suggestion.url) : "";
      if (!url) {
        return element("li", attributes, String(suggestion.text));
      }
      // The service card of what is typed (搜索即服务): chosen, it opens the guide itself.
      attributes["class"] = "service";
      attributes["data-url"] = url;
      var node = element("li", attributes);
      node.appendChild(element("span", { "class": "badge" }, "办事"));
      node.appendChild(document.createTextNode(String(suggestion.text)));
      if (suggestion.site_name) {
        node.appendChild(element("span", { "class": "where" }, String(suggestion.site_name)));
      }
      return node;
    }

    function webLink(url) {
      try {
        var parsed = new URL(String(url || ""));
        return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : "";
      } catch (error) {
        return "";
      }
    }

    function show(suggestions) {
      box.list.textContent = "";
      items = suggestions.map(function (suggestion, index) {
        var node = optionFor(suggestion, index);
        node.addEventListener("mousedown", function (event) {
          event.preventDefault(); // keep the focus in the box
        });
        node.addEventListener("click", function () {
          pick(index);
        });
        box.list.appendChild(node);
        return node;
      });
      active = -1;
      box.input.removeAttribute("aria-activedescendant");
      if (items.length) {
        box.list.hidden = false;
        box.input.setAttribute("aria-expanded", "true");
        box.status.textContent = "有 " + items.length + " 条搜索建议，按上下方向键选择，按回车键搜索";
      } else {
        close();
        box.status.textContent = "";
      }
    }

    function move(step) {
      if (!items.length) {
        return;
      }
      if (!open()) {
        box.list.hidden = false;
        box.input.setAttribute("aria-expanded", "true");
      }
      if (active >= 0) {
        items[active].setAttribute("aria-selected", "false");
      }
      // Positions cycle through the options and back to the text box (-1).
      var positions = items.length + 1;
      active = (active + 1 + step + positions) % positions - 1;
      if (active < 0) {
        box.input.removeAttribute("aria-activedescendant");
        return;
      }
      items[active].setAttribute("aria-selected", "true");
      box.input.setAttribute("aria-activedescendant", items[active].id);
    }

    function pick(index) {
      var url = items[index].getAttribute("data-url");
      if (url) {
        close();
        window.location.assign(url);
        return;
      }
      box.input.value = items[index].textContent;
      close();
      box.form.requestSubmit ? box.form.requestSubmit() : box.form.submit();
    }

    function ask() {
      var prefix = box.input.value.trim();
      var mine = ++asked;
      if (!prefix) {
        show([]);
        return;
      }
      var params = { q: prefix, limit: String(MAX_SUGGESTIONS) };
      if (box.site) {
        params.site = box.site;
      }
      suggestUrl.search = new URLSearchParams(params);
      fetch(suggestUrl.href, { credentials: "omit" })
        .then(function (response) {
          return response.ok ? response.json() : { suggestions: [] };
        })
        .then(function (body) {
          if (mine === asked && document.activeElement === box.form.getRootNode().host) {
            show(body.suggestions || []);
          }
        })
        .catch(function () {
          // No suggestions (offline, blocked by the host's policy): the form still works.
        });
    }

    box.input.addEventListener("compositionstart", function () {
      composing = true;
    });
    box.input.addEventListener("compositionend", function () {
      composing = false;
      window.clearTimeout(timer);
      timer = window.setTimeout(ask, DEBOUNCE_MS);
    });
    box.input.addEventListener("input", function () {
      if (composing) {
        return; // an input method is still composing: pinyin letters are not the query yet
      }
      window.clearTimeout(timer);
      timer = window.setTimeout(ask, DEBOUNCE_MS);
    });
    box.input.addEventListener("keydown", function (event) {
      if (event.isComposing || composing) {
        return;
      }
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        move(event.key === "ArrowDown" ? 1 : -1);
      } else if (event.key === "Enter" && open() && active >= 0) {
        event.preventDefault();
        pick(active);
      } else if (event.key === "Escape") {
        if (open()) {
          event.preventDefault();
          close();
        } else if (box.input.value) {
          event.preventDefault();
          box.input.value = "";
        }
      }
    });
    box.input.addEventListener("blur", close);
    box.form.addEventListener("submit", function () {
      asked++; // a late answer must not reopen the list over the page being left
      close();
    });
  }

  combobox(build());
})();
