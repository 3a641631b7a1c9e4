/* Accessible names for the widgets of Django's admin that its own markup and scripts leave without one
   (checked by axe in tests/e2e/test_axe_crawl.py). Runs after the admin's scripts have built their widgets
   (SelectFilter2 and the date-time shortcuts on "load", select2 on "DOMContentLoaded"). */
"use strict";
(function () {
  function text(element) {
    return element ? element.textContent.replace(/\s+/g, " ").replace(/:\s*$/, "").trim() : "";
  }

  function labelFor(id) {
    return id ? document.querySelector('label[for="' + CSS.escape(id) + '"]') : null;
  }

  function ensureId(element, id) {
    if (!element.id) element.id = id;
    return element.id;
  }

  // Tabular inlines: each field in a row is named by its column heading; the empty heading of the
  // column that shows the object's name is given the inline's title.
  function labelTabularInlines(root) {
    root.querySelectorAll(".tabular table").forEach(function (table) {
      var headings = Array.from(table.querySelectorAll("thead th"));
      var heading = table.closest("fieldset");
      var title = heading ? text(heading.querySelector("h2")) : "";
      headings.forEach(function (th) {
        if (!text(th) && !th.querySelector("[aria-label]")) {
          var hidden = document.createElement("span");
          hidden.className = "visually-hidden";
          hidden.textContent = title;
          th.appendChild(hidden);
        }
      });
      table.querySelectorAll("tbody tr").forEach(function (row) {
        Array.from(row.children).forEach(function (cell, index) {
          var name = text(headings[index]);
          cell.querySelectorAll("input:not([type=hidden]), select, textarea").forEach(function (field) {
            if (name && !labelFor(field.id) && !field.hasAttribute("aria-label")) {
              field.setAttribute("aria-label", name);
            }
          });
        });
      });
    });
  }

  // Date and time in two boxes (AdminSplitDateTime): the field's label names the first box only.
  function labelSplitDateTimes(root) {
    root.querySelectorAll("p.datetime").forEach(function (paragraph) {
      var row = paragraph.closest(".form-row, .fieldBox, div");
      var fieldLabel = text(row ? row.querySelector("label") : null);
      paragraph.querySelectorAll("input").forEach(function (input) {
        var before = input.previousSibling;
        while (before && before.nodeType !== Node.TEXT_NODE) before = before.previousSibling;
        var part = before ? before.textContent.replace(/:\s*$/, "").trim() : "";
        if (!input.hasAttribute("aria-label")) {
          input.setAttribute("aria-label", [fieldLabel, part].filter(Boolean).join(" – "));
        }
      });
    });
  }

  // SelectFilter2's search icons carry an aria-label, which a plain span may not have.
  function fixSearchIcons(root) {
    root.querySelectorAll(".search-label-icon[aria-label]").forEach(function (icon) {
      icon.setAttribute("role", "img");
    });
  }

  // The name of an autocomplete field: its label, or in a tabular inline its column heading.
  function autocompleteName(select) {
    var name = text(labelFor(select.id));
    if (!name) {
      var row = select.closest("tr");
      var table = select.closest("table");
      var cell = select.closest("td");
      if (row && table && cell) {
        name = text(table.querySelectorAll("thead th")[Array.from(row.children).indexOf(cell)]);
      }
    }
    return name;
  }

  // Autocomplete boxes (select2): named by the label of the select they replace, and their value.
  function labelAutocompletes(root) {
    root.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      var box = select.nextElementSibling;
      if (!box || !box.classList.contains("select2")) return;
      var label = labelFor(select.id);
      var name = autocompleteName(select);
      if (!name) return;
      var rendered = box.querySelector(".select2-selection__rendered");
      var combobox = box.querySelector('[role="combobox"]');
      if (label) {
        var ids = ensureId(label, select.id + "-label");
        if (rendered) ids += " " + ensureId(rendered, select.id + "-rendered");
        if (combobox) combobox.setAttribute("aria-labelledby", ids);
        if (rendered) rendered.setAttribute("aria-labelledby", ids);
      } else {
        if (combobox) combobox.setAttribute("aria-label", name);
        if (rendered) rendered.setAttribute("aria-label", name);
      }
    });
  }

  // An autocomplete box's list opens inside the page's main landmark rather than at the end of <body>
  // (axe: region). Read by select2 when Django's autocomplete.js starts it, on jQuery's ready, after
  // this deferred script has run; copied with the empty form into the rows an inline adds.
  function placeAutocompleteLists(root) {
    root.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      var main = select.closest("main[id]");
      if (main && !select.hasAttribute("data-dropdown-parent")) {
        select.setAttribute("data-dropdown-parent", "#" + main.id);
      }
    });
  }

  // While the list is open, the box says which list it controls (select2 sets aria-owns only) and the
  // list's search field is named after the field.
  function describeOpenAutocomplete(select) {
    var box = select.nextElementSibling;
    var combobox = box ? box.querySelector('[role="combobox"]') : null;
    var results = combobox ? document.getElementById(combobox.getAttribute("aria-owns") || "") : null;
    if (!results) return;
    combobox.setAttribute("aria-controls", results.id);
    var dropdown = results.closest(".select2-dropdown");
    var search = dropdown ? dropdown.querySelector(".select2-search__field") : null;
    var name = autocompleteName(select);
    if (search && name && !search.hasAttribute("aria-label")) search.setAttribute("aria-label", name);
  }

  // The calendar and the clock that a date or time field's shortcut opens are popups that Django's
  // DateTimeShortcuts adds at the end of <body>: dialogs, named after their field and the shortcut's title
  // ("Velg en dato"), so that they are not page content outside every landmark (axe: region).
  function labelDateTimePopups() {
    var shortcuts = window.DateTimeShortcuts;
    if (!shortcuts) return;
    [
      [shortcuts.calendarDivName1, shortcuts.calendarLinkName, shortcuts.calendarInputs],
      [shortcuts.clockDivName, shortcuts.clockLinkName, shortcuts.clockInputs],
    ].forEach(function (kind) {
      (kind[2] || []).forEach(function (input, num) {
        var box = document.getElementById(kind[0] + num);
        var link = document.getElementById(kind[1] + num);
        if (!box || !input) return;
        var field = input.getAttribute("aria-label") || text(labelFor(input.id));
        var icon = link ? link.querySelector("[title]") : null;
        box.setAttribute("role", "dialog");
        box.setAttribute("aria-label", [field, icon ? icon.title : ""].filter(Boolean).join(" – "));
      });
    });
  }

  function fixAll(root) {
    labelTabularInlines(root);
    labelSplitDateTimes(root);
    fixSearchIcons(root);
    labelAutocompletes(root);
    labelDateTimePopups();
  }

  window.addEventListener("load", function () {
    fixAll(document);
  });
  placeAutocompleteLists(document);
  // select2 is started by a jQuery ready handler, which jQuery 3 runs asynchronously (it may come after
  // "load"); a ready handler added later runs after it.
  if (window.django && window.django.jQuery) {
    window.django.jQuery(function () {
      labelAutocompletes(document);
    });
    window.django.jQuery(document).on("select2:open", "select.admin-autocomplete", function (event) {
      describeOpenAutocomplete(event.target);
    });
    window.django.jQuery(document).on("select2:close", "select.admin-autocomplete", function (event) {
      var box = event.target.nextElementSibling;
      var combobox = box ? box.querySelector('[role="combobox"]') : null;
      if (combobox) combobox.removeAttribute("aria-controls");
    });
  }
  document.addEventListener("formset:added", function (event) {
    window.setTimeout(function () {
      fixAll(event.target.closest(".inline-group") || document);
    }, 0);
  });
})();
