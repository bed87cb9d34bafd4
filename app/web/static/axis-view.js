/* The timeline's items on a horizontal, zoomable time axis (vis-timeline, vendored under
   vendor/vis-timeline/; see its LICENSE.md). A date that is a single day is a point; any
   other (a month, a season, a year, a range of days, an approximate or uncertain date) is a
   bar over every day it may denote, hatched when vague: no day is invented. Times are UTC.
   Item text is given to vis-timeline as DOM text, never as HTML. */
"use strict";

window.AxisView = (() => {
  const DAY = 86400000;
  const toTime = (iso) => Date.parse(`${iso}T00:00:00Z`);
  const escape = (text) =>
    String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

  function itemFor(item, paletteIndex) {
    const date = item.date;
    if (!date || !date.start || !date.end) return null;
    const day = date.precision === "day" && date.start === date.end;
    const vague = date.approximate || date.uncertain;
    const classes = [`p${paletteIndex(item.process && item.process.id)}`];
    if (vague) classes.push("vague");
    if (item.status !== "held") classes.push("not-held");
    const content = document.createElement("span");
    content.textContent = `${item.title}${vague ? (date.uncertain ? " ?" : " ~") : ""}`;
    content.dataset.id = item.id;
    const drawn = {
      id: item.id,
      content,
      title: escape(`${date.display}: ${item.title}`),
      start: new Date(toTime(date.start)),
      type: day ? "point" : "range",
      className: classes.join(" "),
    };
    if (!day) drawn.end = new Date(toTime(date.end) + DAY); // the day after the last it may be
    return drawn;
  }

  /** A view in ``container``; ``onOpen(id)`` when an item is chosen on it. */
  function create(container, { onOpen, paletteIndex }) {
    const vis = window.vis;
    if (!vis || !vis.Timeline) return null;
    const items = new vis.DataSet();
    const timeline = new vis.Timeline(container, items, {
      moment: (date) => vis.moment(date).utc(),
      maxHeight: "22rem",
      verticalScroll: true,
      zoomKey: "ctrlKey", // the wheel scrolls the page; Ctrl + wheel (or a pinch) zooms
      horizontalScroll: false,
      stack: true,
      selectable: true,
      showCurrentTime: false,
      zoomMin: 7 * DAY,
      margin: { item: { horizontal: 4, vertical: 4 } },
      orientation: { axis: "top" },
      tooltip: { followMouse: false, overflowMethod: "cap" },
    });
    timeline.on("select", ({ items: chosen, event }) => {
      if (chosen.length && event) onOpen(chosen[0]);
    });
    const move = (share) => {
      const { start, end } = timeline.getWindow();
      const shift = (end - start) * share;
      timeline.setWindow(start.valueOf() + shift, end.valueOf() + shift, { animation: false });
    };
    return {
      show(rows) {
        items.clear();
        items.add(rows.map((row) => itemFor(row, paletteIndex)).filter(Boolean));
        timeline.fit({ animation: false });
      },
      /** Select the item (none for null); ``reveal`` moves the axis to it if it is out of
          view. */
      select(id, { reveal = false } = {}) {
        const shown = Boolean(id && items.get(id));
        timeline.setSelection(shown ? [id] : []);
        if (shown && reveal && !timeline.getVisibleItems().includes(id)) {
          timeline.focus(id, { animation: false });
        }
      },
      earlier: () => move(-0.25),
      later: () => move(0.25),
      zoomIn: () => timeline.zoomIn(0.5, { animation: false }),
      zoomOut: () => timeline.zoomOut(0.5, { animation: false }),
      fit: () => timeline.fit({ animation: false }),
    };
  }

  return { create };
})();
