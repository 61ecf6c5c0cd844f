// The Trust page's chart: each trust account's balance at the last 12 month-ends, from the page's
// json_script block. Balances arrive as decimal strings and are parsed only to be drawn.
(function () {
  "use strict";

  var COLOURS = ["#1f5fa8", "#1b7f3b", "#b54708", "#6941c6"];

  function draw() {
    var data = document.getElementById("trust-chart-data");
    var canvas = document.getElementById("trust-chart");
    if (!data || !canvas || typeof window.Chart === "undefined") {
      return; // the table under the chart carries the same figures
    }
    var chart = JSON.parse(data.textContent);
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: chart.labels.map(function (day) { return day.slice(0, 7); }),
        datasets: chart.datasets.map(function (set, i) {
          var colour = COLOURS[i % COLOURS.length];
          return {
            label: set.label,
            data: set.data.map(Number),
            borderColor: colour,
            backgroundColor: colour,
            tension: 0,
          };
        }),
      },
      options: {
        animation: false,
        responsive: true,
        scales: { y: { beginAtZero: true } },
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
