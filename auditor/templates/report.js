(function () {
  "use strict";
  var each = function (list, fn) { Array.prototype.forEach.call(list, fn); };

  // Sortable tables: a header button sorts by the cell's data-sort value
  // (or its text); a second click reverses. Ties keep the previous order.
  var collator = new Intl.Collator(["zh-CN", "en"], { numeric: true, sensitivity: "base" });
  function sortKey(row, index, numeric) {
    var cell = row.cells[index];
    var raw = !cell ? "" : cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent.trim();
    if (!numeric) { return raw; }
    var value = parseFloat(raw);
    return isNaN(value) ? -Infinity : value;
  }
  each(document.querySelectorAll("table.sortable"), function (table) {
    var headers = table.tHead.rows[0].cells;
    each(headers, function (th, index) {
      var button = th.querySelector("button.sort");
      if (!button) { return; }
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        each(headers, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var numeric = th.getAttribute("data-type") === "number";
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows).map(function (row, position) {
          return { row: row, position: position, key: sortKey(row, index, numeric) };
        });
        rows.sort(function (a, b) {
          var order = numeric ? (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) : collator.compare(a.key, b.key);
          return (ascending ? order : -order) || a.position - b.position;
        });
        var fragment = document.createDocumentFragment();
        rows.forEach(function (item) { fragment.appendChild(item.row); });
        body.appendChild(fragment);
      });
    });
  });

  // Filters: a text box matches the row's data-text, a select or a checkbox
  // matches one data-* attribute. The slot filters also dim the text's slots.
  each(document.querySelectorAll(".filters[data-table]"), function (bar) {
    var table = document.getElementById(bar.getAttribute("data-table"));
    if (!table || !table.tBodies.length) { return; }
    var controls = bar.querySelectorAll("[data-filter]");
    var count = bar.querySelector("[data-count]");
    var noun = count && count.getAttribute("data-noun") || "documents";
    // "{shown} of {total} slots", in the page's language (the words are the page's, not the script's)
    var template = count && count.getAttribute("data-template");
    var dimSelector = bar.getAttribute("data-dim");
    function apply() {
      var text = "", wanted = [];
      each(controls, function (control) {
        var kind = control.getAttribute("data-filter");
        if (kind === "text") { text = control.value.trim().toLowerCase(); }
        else if (kind === "attr" && control.value) { wanted.push(["data-" + control.getAttribute("data-attr"), control.value]); }
        else if (kind === "flag" && control.checked) { wanted.push(["data-" + control.getAttribute("data-attr"), "1"]); }
      });
      function fits(element) {
        for (var i = 0; i < wanted.length; i++) {
          if (element.getAttribute(wanted[i][0]) !== wanted[i][1]) { return false; }
        }
        return true;
      }
      var rows = table.tBodies[0].rows, shown = 0;
      each(rows, function (row) {
        var haystack = (row.getAttribute("data-text") || row.textContent).toLowerCase();
        var visible = fits(row) && (!text || haystack.indexOf(text) !== -1);
        row.hidden = !visible;
        if (visible) { shown += 1; }
      });
      if (count) {
        count.textContent = template ? template.replace("{shown}", shown).replace("{total}", rows.length)
          : shown + " of " + rows.length + " " + noun;
      }
      if (dimSelector) {
        var scope = document.querySelector(dimSelector);
        if (scope) {
          each(scope.querySelectorAll("[data-slot-id]"), function (slot) {
            slot.classList.toggle("dim", wanted.length > 0 && !fits(slot));
          });
        }
      }
    }
    each(controls, function (control) {
      control.addEventListener("input", apply);
      control.addEventListener("change", apply);
    });
    apply(); // the browser may have restored the controls' state
  });

  // Rows kept as data (the differences beyond the first hundred, between
  // copies of a long text) become rows, like the ones above them, when the
  // reader asks. Strings go in as text nodes, never as markup.
  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }
    return node;
  }
  function copyCell(here, doc, snippet, markClass, words) {
    // doc: [name, href]; snippet: [before, value, after]
    var cell = document.createElement("td");
    var name = element("div", "diff-doc");
    if (here) { name.textContent = words.thisDocument; }
    // a name is isolated (<bdi>) as on the rows above: direction controls in it stay inside it
    else if (doc[1]) { var link = element("a"); link.setAttribute("href", doc[1]); link.appendChild(element("bdi", "name", doc[0])); name.appendChild(link); }
    else { name.appendChild(element("bdi", "name", doc[0])); }
    var text = element("div", "snippet");
    text.setAttribute("lang", "zh-CN");
    text.appendChild(document.createTextNode(snippet[0]));
    text.appendChild(element("span", markClass, snippet[1]));
    text.appendChild(document.createTextNode(snippet[2]));
    cell.appendChild(name);
    cell.appendChild(text);
    return cell;
  }
  function differenceRow(data, r, words) {
    // r: slot id, slot type, linked to the text (0/1), masked here (0/1), then
    // indexes into data.docs and data.snippets: the masking copy and its
    // snippet, the revealing copy and its snippet
    var row = document.createElement("tr");
    var slot = document.createElement("td");
    if (r[2]) { var link = element("a", "", r[0]); link.setAttribute("href", "#slot-" + r[0]); slot.appendChild(link); }
    else { slot.textContent = r[0]; }
    if (r[1]) {
      slot.appendChild(document.createElement("br"));
      slot.appendChild(element("span", "type-tag tag-" + r[1], data.types && data.types[r[1]] || r[1]));
    }
    row.appendChild(slot);
    row.appendChild(copyCell(r[3], data.docs[r[4]], data.snippets[r[5]], "masked", words));
    row.appendChild(copyCell(!r[3], data.docs[r[6]], data.snippets[r[7]], "revealed", words));
    return row;
  }
  each(document.querySelectorAll("button[data-more]"), function (button) {
    button.addEventListener("click", function () {
      var source = document.getElementById(button.getAttribute("data-more"));
      var table = document.getElementById(button.getAttribute("aria-controls"));
      if (!source || !table || !table.tBodies.length) { return; }
      var data = JSON.parse(source.textContent);
      var words = { thisDocument: button.getAttribute("data-this-document") || "this document" };
      var fragment = document.createDocumentFragment();
      data.rows.forEach(function (r) { fragment.appendChild(differenceRow(data, r, words)); });
      table.tBodies[0].appendChild(fragment);
      var note = button.parentNode;
      var said = note.querySelector("[data-more-note]");
      if (said) {
        var all = said.getAttribute("data-all") || "All {n} are listed.";
        said.textContent = all.replace("{n}", table.tBodies[0].rows.length);
      }
      button.remove();
      note.focus(); // the button is gone: keep the keyboard where it was
    });
  });

  // Tooltips: the title of a slot or clue becomes a popover shown on hover and
  // on keyboard focus (a native title is never shown to keyboard users).
  var tip = document.getElementById("tip");
  var owner = null;
  function hide() {
    if (!tip || tip.hidden) { return; }
    tip.hidden = true;
    if (owner) { owner.removeAttribute("aria-describedby"); }
    owner = null;
  }
  function show(element) {
    var text = element.getAttribute("data-tip");
    if (!tip || !text) { return; }
    owner = element;
    tip.textContent = text;
    tip.hidden = false;
    element.setAttribute("aria-describedby", "tip");
    var box = element.getBoundingClientRect();
    var width = tip.offsetWidth, height = tip.offsetHeight;
    var left = Math.max(8, Math.min(box.left, document.documentElement.clientWidth - width - 8));
    var top = box.bottom + 8;
    if (top + height > document.documentElement.clientHeight && box.top - height - 8 > 0) { top = box.top - height - 8; }
    tip.style.left = (left + window.scrollX) + "px";
    tip.style.top = (top + window.scrollY) + "px";
  }
  var targets = document.querySelectorAll(".doc-text .slot, .doc-text .clue");
  each(targets, function (element) {
    if (element.hasAttribute("title")) {
      element.setAttribute("data-tip", element.getAttribute("title"));
      element.removeAttribute("title");
    }
  });
  var text = document.getElementById("text");
  if (text) {
    var pick = function (event) { return event.target.closest && event.target.closest(".slot, .clue"); };
    text.addEventListener("mouseover", function (event) { var el = pick(event); if (el) { show(el); } });
    text.addEventListener("mouseout", function (event) { if (pick(event)) { hide(); } });
    text.addEventListener("focusin", function (event) { var el = pick(event); if (el) { show(el); } });
    text.addEventListener("focusout", hide);
  }
  document.addEventListener("keydown", function (event) { if (event.key === "Escape") { hide(); } });
  window.addEventListener("resize", hide);
})();
