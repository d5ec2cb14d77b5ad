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
  // A header button sorts by its column; a second click reverses. reorder(column, numeric,
  // compare) puts the table's items ({position, key}) in order by compare.
  function sortableHeaders(table, reorder) {
    var headers = table.tHead.rows[0].cells;
    each(headers, function (th, column) {
      var button = th.querySelector("button.sort");
      if (!button) { return; }
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        each(headers, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var numeric = th.getAttribute("data-type") === "number";
        reorder(column, numeric, function (a, b) {
          var order = numeric ? (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) : collator.compare(a.key, b.key);
          return (ascending ? order : -order) || a.position - b.position;
        });
      });
    });
  }
  each(document.querySelectorAll("table.sortable"), function (table) {
    if (table.hasAttribute("data-rows")) { return; } // a table kept as data sorts its records (below)
    sortableHeaders(table, function (column, numeric, compare) {
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows).map(function (row, position) {
        return { row: row, position: position, key: sortKey(row, column, numeric) };
      });
      rows.sort(compare);
      var fragment = document.createDocumentFragment();
      rows.forEach(function (item) { fragment.appendChild(item.row); });
      body.appendChild(fragment);
    });
  });

  // Filters: a text box matches the row's data-text, a select or a checkbox
  // matches one data-* attribute. The slot filters also dim the text's slots.
  each(document.querySelectorAll(".filters[data-table]"), function (bar) {
    var table = document.getElementById(bar.getAttribute("data-table"));
    if (!table || !table.tBodies.length || table.hasAttribute("data-rows")) { return; }
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

  // A table kept as data (the overview's documents: an archive has 10^5 of
  // them): the page shows one page of rows, made from the records as the
  // reader searches, filters, sorts and pages; the rows the server wrote are
  // the first page of the same records. Strings go in as text nodes.
  function documentName(doc) {
    var name = element("bdi", "name");
    doc.split("/").forEach(function (part, index, parts) {
      name.appendChild(document.createTextNode(part + (index < parts.length - 1 ? "/" : "")));
      if (index < parts.length - 1) { name.appendChild(document.createElement("wbr")); }
    });
    return name;
  }
  function numberCell(value, sortValue, content) {
    var cell = element("td", "num");
    cell.setAttribute("data-sort", sortValue);
    if (content) { cell.appendChild(content); } else if (value !== "") { cell.textContent = value; }
    return cell;
  }
  function badge(data, index) {
    var found = data.badges[index];
    return element("span", "badge " + found[0], found[1]);
  }
  function withNote(cell, note, className) {
    if (note) { cell.appendChild(document.createTextNode(" ")); cell.appendChild(element("span", className, note)); }
    return cell;
  }
  // r: see auditor.output.report.views.documents_data
  function documentRow(data, r) {
    var row = document.createElement("tr");
    row.setAttribute("data-verdict", r[2]);
    row.setAttribute("data-text", r[0] + " " + r[5] + " " + r[17]);
    var head = document.createElement("th");
    head.setAttribute("scope", "row");
    head.className = "doc-name";
    if (r[1]) { var link = element("a"); link.setAttribute("href", r[1]); link.appendChild(documentName(r[0])); head.appendChild(link); }
    else { head.appendChild(documentName(r[0])); }
    row.appendChild(head);
    var verdict = document.createElement("td");
    verdict.appendChild(badge(data, r[3]));
    row.appendChild(withNote(verdict, r[4], "muted"));
    var identity = element("td", "", r[5]);
    identity.setAttribute("lang", "zh-CN");
    row.appendChild(withNote(identity, r[6], "muted"));
    row.appendChild(numberCell(r[7], r[8]));
    row.appendChild(numberCell(r[9], r[10]));
    row.appendChild(numberCell(r[11], r[12]));
    row.appendChild(numberCell(r[14] ? String(r[13]) : "", r[13], r[13] ? element("strong", "leak-count", String(r[13])) : null));
    if (data.gate) {
      var gate = document.createElement("td");
      if (r[15] >= 0) { gate.appendChild(badge(data, r[15])); }
      row.appendChild(withNote(gate, r[16], "gate-rules-inline"));
    }
    row.appendChild(element("td", "mono", r[17]));
    return row;
  }
  // What each column sorts by, as the rows the server writes sort: numbers by their data-sort, text by its text.
  function documentKey(data, r, column) {
    var keys = [r[0], data.badges[r[3]][1] + (r[4] ? " " + r[4] : ""), r[5] + (r[6] ? " " + r[6] : ""),
                parseFloat(r[8]), parseFloat(r[10]), r[12], r[13]];
    if (data.gate) { keys.push(r[15] >= 0 ? data.badges[r[15]][1] + (r[16] ? " " + r[16] : "") : ""); }
    keys.push(r[17]);
    return keys[column];
  }
  each(document.querySelectorAll("table[data-rows]"), function (table) {
    var source = document.getElementById(table.getAttribute("data-rows"));
    if (!source || !table.tBodies.length) { return; }
    var data = JSON.parse(source.textContent);
    var bar = document.querySelector('.filters[data-table="' + table.id + '"]');
    var pager = document.querySelector('.pager[data-table="' + table.id + '"]');
    var size = data.page_rows, page = 0, order = null, matching = [];
    // What the search reads of each record (as the row's data-text), lower-cased once.
    var haystacks = data.rows.map(function (r) { return (r[0] + " " + r[5] + " " + r[17]).toLowerCase(); });
    var count = bar && bar.querySelector("[data-count]");
    var template = count && count.getAttribute("data-template");
    var where = pager && pager.querySelector("[data-page]");
    var pageTemplate = where && where.getAttribute("data-template");
    var previous = pager && pager.querySelector("[data-step='-1']");
    var next = pager && pager.querySelector("[data-step='1']");
    function show() {
      var pages = Math.max(1, Math.ceil(matching.length / size));
      page = Math.min(page, pages - 1);
      var fragment = document.createDocumentFragment();
      matching.slice(page * size, (page + 1) * size).forEach(function (index) {
        fragment.appendChild(documentRow(data, data.rows[index]));
      });
      var body = table.tBodies[0];
      body.textContent = "";
      body.appendChild(fragment);
      if (count) { count.textContent = template.replace("{shown}", matching.length).replace("{total}", data.rows.length); }
      if (pager) {
        pager.hidden = pages < 2;
        where.textContent = pageTemplate.replace("{page}", page + 1).replace("{pages}", pages);
        previous.disabled = page === 0;
        next.disabled = page >= pages - 1;
      }
    }
    function apply() {
      var text = "", verdict = "";
      if (bar) {
        each(bar.querySelectorAll("[data-filter]"), function (control) {
          var kind = control.getAttribute("data-filter");
          if (kind === "text") { text = control.value.trim().toLowerCase(); }
          else if (kind === "attr") { verdict = control.value; }
        });
      }
      var indexes = order || data.rows.map(function (r, index) { return index; });
      matching = indexes.filter(function (index) {
        return (!verdict || data.rows[index][2] === verdict) && (!text || haystacks[index].indexOf(text) !== -1);
      });
      page = 0;
      show();
    }
    sortableHeaders(table, function (column, numeric, compare) {
      var keyed = (order || data.rows.map(function (r, index) { return index; })).map(function (index, position) {
        var key = documentKey(data, data.rows[index], column);
        return { index: index, position: position, key: numeric ? (isNaN(key) ? -Infinity : key) : String(key) };
      });
      keyed.sort(compare);
      order = keyed.map(function (item) { return item.index; });
      apply();
    });
    if (bar) {
      each(bar.querySelectorAll("[data-filter]"), function (control) {
        control.addEventListener("input", apply);
        control.addEventListener("change", apply);
      });
    }
    if (pager) {
      each(pager.querySelectorAll("[data-step]"), function (button) {
        button.addEventListener("click", function () { page += Number(button.getAttribute("data-step")); show(); });
      });
    }
    apply(); // the browser may have restored the controls' state
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
