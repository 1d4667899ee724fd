// Vote boxes answer refusals (400, 429) with the box itself and a message in it. htmx does
// not swap error responses by default, so let those through for vote boxes only; every
// other error keeps htmx's default handling. Included once per vote box, registered once.
if (!window.shipOrSkipVotes) {
  window.shipOrSkipVotes = true;
  document.addEventListener("htmx:beforeSwap", (event) => {
    const status = event.detail.xhr.status;
    const fromVoteBox = event.detail.target && event.detail.target.closest("[data-vote-box]");
    if (fromVoteBox && (status === 400 || status === 429)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
}
