// The balance of lead credits over time, drawn with the vendored Chart.js. The x axis is linear in epoch
// milliseconds (a time scale would need a date adapter), so points are spaced by the time between them.
document.addEventListener("DOMContentLoaded", () => {
  const data = document.getElementById("credit-chart-data");
  const canvas = document.getElementById("credit-chart");
  if (!data || !canvas || typeof Chart === "undefined") return;
  const points = JSON.parse(data.textContent);
  const first = points[0].t;
  const last = points[points.length - 1].t;
  // Within two days the ticks show the time too, so they do not all read the same date.
  const short = last - first < 2 * 24 * 3600 * 1000;
  const tick = (ms) =>
    short
      ? new Date(ms).toLocaleString(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" })
      : new Date(ms).toLocaleDateString(undefined, { month: "short", day: "numeric", year: "numeric" });
  new Chart(canvas, {
    type: "line",
    data: {
      datasets: [
        {
          label: "Balance",
          data: points.map((p) => ({ x: p.t, y: p.balance, what: p.what })),
          stepped: true,
          fill: false,
          pointRadius: 2,
        },
      ],
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      parsing: false,
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            title: (items) => new Date(items[0].parsed.x).toLocaleString(),
            // The movement in words ("Refund +1"), then the balance after it.
            label: (item) => [item.raw.what, `Balance ${item.parsed.y}`].filter(Boolean).join(": "),
          },
        },
      },
      scales: {
        x: { type: "linear", min: first, max: last, ticks: { maxTicksLimit: 8, callback: (value) => tick(value) } },
        y: { beginAtZero: true, ticks: { precision: 0 } },
      },
    },
  });
});
