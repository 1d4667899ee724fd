// Vote boxes. Pages are the same for every reader (and cached), so the reader's own vote
// is not in them: after the page loads, one small private request asks which of the
// page's tools this reader voted on, and the boxes are marked. Boxes the server rendered
// for this reader alone (data-vote-known) are left as they are. Included once per vote
// box, registered once.
if (!window.shipOrSkipVotes) {
  window.shipOrSkipVotes = true;

  const markVote = (box, choice) => {
    for (const button of box.querySelectorAll("button[name=choice]")) {
      if (button.value === "withdraw") {
        button.hidden = !choice;
      } else {
        button.setAttribute("aria-pressed", String(button.value === choice));
      }
    }
    const voted = box.querySelector("[data-voted]");
    const notVoted = box.querySelector("[data-not-voted]");
    if (!voted || !notVoted) return;
    voted.hidden = !choice;
    notVoted.hidden = Boolean(choice);
    voted.querySelector("[data-my-choice]").textContent = choice.toUpperCase();
  };

  const markMyVotes = async () => {
    const boxes = [...document.querySelectorAll("[data-vote-box]:not([data-vote-known])")];
    if (!boxes.length) return;
    const slugs = boxes.map((box) => box.dataset.voteBox);
    let answer;
    try {
      const response = await fetch(`/votes/mine/?tools=${encodeURIComponent(slugs.join(","))}`, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!response.ok) return;
      answer = await response.json();
    } catch {
      return; // offline or refused: the boxes still work, they just do not show the vote
    }
    for (const box of boxes) {
      if (box.isConnected) markVote(box, answer.votes[box.dataset.voteBox] || "");
    }
  };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", markMyVotes);
  } else {
    markMyVotes();
  }

  // Vote boxes answer refusals (400, 429) with the box itself and a message in it. htmx
  // does not swap error responses by default, so let those through for vote boxes only;
  // every other error keeps htmx's default handling.
  document.addEventListener("htmx:beforeSwap", (event) => {
    const status = event.detail.xhr.status;
    const fromVoteBox = event.detail.target && event.detail.target.closest("[data-vote-box]");
    if (fromVoteBox && (status === 400 || status === 429)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
}
