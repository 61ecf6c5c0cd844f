// The settings arrive after the page (they are read live from the books): honour a link such as
// #sync-settings once they are in.
document.addEventListener("htmx:afterSettle", () => {
  const target = location.hash && document.getElementById(location.hash.slice(1));
  if (target && !target.dataset.reached) {
    target.dataset.reached = "1";
    target.scrollIntoView();
    target.focus();
  }
});
