// On a phone the filters of a list start folded above the results (the page shows
// them unfolded without JavaScript, and on wide screens, where they are a column).
"use strict";
if (window.matchMedia("(max-width: 47.99rem)").matches) {
  for (const filters of document.querySelectorAll("details.filters")) {
    filters.open = false;
  }
}
