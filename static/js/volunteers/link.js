// The volunteer's page: one tap sends one answer. A second tap while the first is on its way
// (a slow mobile connection) would only be refused by the server; the buttons wait instead.
for (const form of document.querySelectorAll("form[data-once]")) {
  form.addEventListener("submit", (event) => {
    if (form.dataset.sending) {
      event.preventDefault();
      return;
    }
    form.dataset.sending = "1";
    // The pressed button's name/value must still be sent: disable the buttons after this event.
    setTimeout(() => {
      for (const button of form.querySelectorAll("button")) button.disabled = true;
      const note = form.querySelector(".vlink-sending");
      if (note) note.hidden = false;
    }, 0);
  });
}
