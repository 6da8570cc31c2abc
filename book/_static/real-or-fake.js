/* "Real or fake?" (book/real-or-fake.md): the reader marks each image of a round, checks the
 * answers, and moves on to the next round.
 *
 * The page's executed cell writes the whole game as HTML: one .rof-round per round (all but the
 * first hidden), one fieldset per image with its answer in data-truth ("real" or "fake") and its
 * origin in data-source, and the buttons, disabled until this script enables them. Sphinx loads
 * this file on every page (html_js_files in _config.yml); pages without a .rof-game are left
 * alone. Nothing is fetched: the images are data: URIs inside the page.
 */
(function () {
  "use strict";

  function plural(n, one, many) {
    return n === 1 ? one : many;
  }

  function setUpGame(game) {
    var rounds = Array.prototype.slice.call(game.querySelectorAll(".rof-round"));
    var label = game.querySelector(".rof-round-label");
    var checkButton = game.querySelector(".rof-check");
    var newButton = game.querySelector(".rof-new");
    var score = game.querySelector(".rof-score");
    if (!rounds.length || !label || !checkButton || !newButton || !score) {
      return;
    }
    var current = 0;
    var played = 0;
    var seen = rounds.map(function (round, index) {
      return index === 0;
    });
    var totals = { correct: 0, shown: 0 };

    function items(round) {
      return Array.prototype.slice.call(round.querySelectorAll(".rof-item"));
    }

    function answerOf(item) {
      var chosen = item.querySelector("input[type=radio]:checked");
      return chosen ? chosen.value : null;
    }

    function check() {
      var round = rounds[current];
      if (round.hasAttribute("data-checked")) {
        return;
      }
      var list = items(round);
      var correct = 0;
      var unmarked = 0;
      var reals = 0;
      list.forEach(function (item) {
        var truth = item.getAttribute("data-truth");
        var answer = answerOf(item);
        var verdict = item.querySelector(".rof-verdict");
        var outcome;
        var text;
        if (truth === "real") {
          reals += 1;
        }
        if (answer === null) {
          unmarked += 1;
          outcome = "unmarked";
          text = "\u2013 Not marked: it is " + truth + ". ";
        } else if (answer === truth) {
          correct += 1;
          outcome = "correct";
          text = "\u2713 Right, it is " + truth + ". ";
        } else {
          outcome = "wrong";
          text = "\u2717 Wrong, it is " + truth + " (you said " + answer + "). ";
        }
        text += item.getAttribute("data-source");
        item.setAttribute("data-verdict", outcome);
        verdict.textContent = text;
        item.disabled = true;
      });
      round.setAttribute("data-checked", "");
      played += 1;
      totals.correct += correct;
      totals.shown += list.length;
      var message =
        "You marked " + correct + " of " + list.length + " images correctly" +
        (unmarked ? " (" + unmarked + " left unmarked)" : "") + ". " +
        "This round had " + reals + " real " + plural(reals, "image", "images") +
        ": marking every image Real would have scored " + reals +
        ", and a coin flip for each image scores " + list.length / 2 + " on average.";
      if (played > 1) {
        message +=
          " So far: " + totals.correct + " of " + totals.shown + " in " + played + " rounds.";
      }
      score.setAttribute("data-correct", String(correct));
      score.textContent = message;
      checkButton.disabled = true;
    }

    function reset(round) {
      round.removeAttribute("data-checked");
      items(round).forEach(function (item) {
        item.disabled = false;
        item.removeAttribute("data-verdict");
        item.querySelector(".rof-verdict").textContent = "";
        Array.prototype.forEach.call(item.querySelectorAll("input[type=radio]"), function (input) {
          input.checked = false;
        });
      });
    }

    function newRound() {
      rounds[current].hidden = true;
      current = (current + 1) % rounds.length;
      reset(rounds[current]);
      rounds[current].hidden = false;
      label.textContent =
        "Round " + (current + 1) + " of " + rounds.length + (seen[current] ? " (shown before)" : "");
      seen[current] = true;
      score.textContent = "";
      score.removeAttribute("data-correct");
      checkButton.disabled = false;
      label.focus();
    }

    // A click, not a form submission: Enter on a radio button would submit a form and check a
    // round the reader has not finished.
    checkButton.addEventListener("click", check);
    newButton.addEventListener("click", newRound);
    checkButton.disabled = false;
    newButton.disabled = false;
    game.setAttribute("data-ready", "");
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll(".rof-game"), setUpGame);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
