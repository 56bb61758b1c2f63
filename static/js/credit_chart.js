// The balance of lead credits after each ledger entry, drawn with the vendored Chart.js.
document.addEventListener("DOMContentLoaded", () => {
  const data = document.getElementById("credit-chart-data");
  const canvas = document.getElementById("credit-chart");
  if (!data || !canvas || typeof Chart === "undefined") return;
  const points = JSON.parse(data.textContent);
  new Chart(canvas, {
    type: "line",
    data: {
      labels: points.map((p) => new Date(p.t).toLocaleDateString()),
      datasets: [{ label: "Balance", data: points.map((p) => p.balance), stepped: true, fill: false }],
    },
    options: { animation: false, maintainAspectRatio: false, plugins: { legend: { display: false } } },
  });
});
