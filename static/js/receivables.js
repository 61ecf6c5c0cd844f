// The Receivables page's chart: the firm's total AR difference (books minus Clio) at each
// reconcile, from the page's json_script block. Amounts arrive as decimal strings and are parsed
// only to be drawn.
(function () {
  "use strict";

  function draw() {
    var data = document.getElementById("ar-chart-data");
    var canvas = document.getElementById("ar-chart");
    if (!data || !canvas || typeof window.Chart === "undefined") {
      return; // the table under the chart carries the same figures
    }
    var chart = JSON.parse(data.textContent);
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: chart.labels,
        datasets: [
          {
            label: "Books minus Clio",
            data: chart.difference.map(Number),
            borderColor: "#b42318",
            backgroundColor: "#b42318",
            tension: 0,
            pointRadius: chart.labels.length > 40 ? 0 : 3,
          },
        ],
      },
      options: {
        animation: false,
        responsive: true,
        scales: { y: { suggestedMin: 0 } },
        plugins: {
          legend: { position: "bottom" },
          tooltip: {
            callbacks: {
              afterLabel: function (item) {
                var i = item.dataIndex;
                return "Clio " + chart.clio[i] + " · books " + chart.books[i];
              },
            },
          },
        },
      },
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
