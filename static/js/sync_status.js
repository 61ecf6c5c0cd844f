// The Sync page's 30-day chart: records synced and errors per day, from the page's json_script block.
(function () {
  "use strict";

  function draw() {
    var data = document.getElementById("sync-chart-data");
    var canvas = document.getElementById("sync-chart");
    if (!data || !canvas || typeof window.Chart === "undefined") {
      return; // the table under the chart carries the same figures
    }
    var chart = JSON.parse(data.textContent);
    var css = getComputedStyle(document.documentElement);
    var ok = css.getPropertyValue("--fs-ok").trim() || "#1b7f3b";
    var bad = css.getPropertyValue("--fs-bad").trim() || "#b42318";
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: chart.labels.map(function (day) { return day.slice(5); }),
        datasets: [
          { label: "Records synced", data: chart.synced, backgroundColor: ok },
          { label: "Errors", data: chart.errors, backgroundColor: bad },
        ],
      },
      options: {
        animation: false,
        responsive: true,
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend: { position: "bottom" } },
      },
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
