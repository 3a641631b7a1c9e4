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

  // Autocomplete boxes (select2): named by the label of the select they replace, and their value.
  function labelAutocompletes(root) {
    root.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      var box = select.nextElementSibling;
      if (!box || !box.classList.contains("select2")) return;
      var label = labelFor(select.id);
      var name = text(label);
      if (!name) {
        var row = select.closest("tr");
        var table = select.closest("table");
        var cell = select.closest("td");
        if (row && table && cell) {
          name = text(table.querySelectorAll("thead th")[Array.from(row.children).indexOf(cell)]);
        }
      }
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

  function fixAll(root) {
    labelTabularInlines(root);
    labelSplitDateTimes(root);
    fixSearchIcons(root);
    labelAutocompletes(root);
  }

  window.addEventListener("load", function () {
    fixAll(document);
  });
  // select2 is started by a jQuery ready handler, which jQuery 3 runs asynchronously (it may come after
  // "load"); a ready handler added later runs after it.
  if (window.django && window.django.jQuery) {
    window.django.jQuery(function () {
      labelAutocompletes(document);
    });
  }
  document.addEventListener("formset:added", function (event) {
    window.setTimeout(function () {
      fixAll(event.target.closest(".inline-group") || document);
    }, 0);
  });
})();
