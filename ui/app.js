() => {
  // Run once per page load (ui/app.py passes this to demo.load).
  // A related topic under a refusal asks its question (the button's value; the chat's
  // sanitiser drops data-* attributes), as if typed and sent.
  if (!window.faTopicClicks) {
    window.faTopicClicks = true;
    document.addEventListener("click", (event) => {
      const topic = event.target.closest(".fa-topic");
      const box = document.querySelector("#fa-question textarea, #fa-question input");
      if (!topic || !box) return;
      event.preventDefault();
      box.value = topic.value;
      box.dispatchEvent(new Event("input", { bubbles: true }));
      setTimeout(() => document.querySelector("#fa-send").click(), 0);
    });
  }
  // Focus the question box on wide screens only, without scrolling: on a phone focusing
  // would open the keyboard and scroll the title and the tabs off-screen.
  if (window.matchMedia("(min-width: 641px)").matches) {
    const box = document.querySelector("#fa-question textarea, #fa-question input");
    if (box) box.focus({ preventScroll: true });
  }
}
