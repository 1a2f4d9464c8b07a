//! Utterance classifier acceptance and behaviour tests.
//!
//! 1. The dev set (`tests/fixtures/utterances-dev.jsonl`) per language: why-question F1,
//!    advice F1 and 3-class question accuracy, as written and with all punctuation removed
//!    and lowercased (transcriber style), against the thresholds.
//! 2. Held-out sentences written for this test (not in the dev set), both languages, with
//!    and without punctuation, to check that the rules generalise.
//! 3. Focused behaviour a facilitator notices (indirect why, statements containing
//!    "waarom", Flemish, fillers, stacked questions, advice disguised as a question,
//!    evidence naming the cue).
//! 4. The built binary: `observant classify` on stdin, invalid UTF-8, `--lang`, `--config`.

use std::io::Write;
use std::process::{Command, Stdio};

use observant::analysis::classify::Classifier;
use observant::analysis::{Lang, LangHint, QuestionCategory, QuestionFocus, QuestionType};

fn clf() -> &'static Classifier {
    Classifier::shared()
}

/// Removes all punctuation and lowercases, as a transcriber without punctuation would give.
fn strip(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric() || c.is_whitespace())
        .collect::<String>()
        .to_lowercase()
}

fn qtype(s: &str) -> QuestionType {
    match s {
        "open" => QuestionType::Open,
        "closed" => QuestionType::Closed,
        _ => QuestionType::None,
    }
}

#[derive(Debug, Clone)]
struct Item {
    id: String,
    lang: String,
    text: String,
    question: QuestionType,
    why: bool,
    advice: bool,
}

fn load_dev() -> Vec<Item> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/utterances-dev.jsonl"
    );
    let text = std::fs::read_to_string(path).expect("dev set present");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("valid JSONL");
            Item {
                id: v["id"].as_str().unwrap_or_default().to_string(),
                lang: v["lang"].as_str().unwrap_or_default().to_string(),
                text: v["text"].as_str().unwrap_or_default().to_string(),
                question: qtype(v["question"].as_str().unwrap_or_default()),
                why: v["why"].as_bool().unwrap_or_default(),
                advice: v["advice"].as_bool().unwrap_or_default(),
            }
        })
        .collect()
}

#[derive(Debug, Default, Clone, Copy)]
struct Scores {
    n: usize,
    why_f1: f64,
    advice_f1: f64,
    accuracy: f64,
}

fn f1(tp: usize, fp: usize, fneg: usize) -> f64 {
    if tp + fp + fneg == 0 {
        return 1.0;
    }
    2.0 * tp as f64 / (2.0 * tp as f64 + fp as f64 + fneg as f64)
}

/// Scores items; prints every miss so a failing run shows what went wrong.
fn score(items: &[Item], stripped: bool, tag: &str) -> Scores {
    let (mut wtp, mut wfp, mut wfn, mut atp, mut afp, mut afn, mut ok) = (0, 0, 0, 0, 0, 0, 0);
    for it in items {
        let text = if stripped {
            strip(&it.text)
        } else {
            it.text.clone()
        };
        let r = clf().classify(&text, LangHint::Auto);
        if r.question == it.question {
            ok += 1;
        }
        match (r.why, it.why) {
            (true, true) => wtp += 1,
            (true, false) => wfp += 1,
            (false, true) => wfn += 1,
            _ => {}
        }
        match (r.advice, it.advice) {
            (true, true) => atp += 1,
            (true, false) => afp += 1,
            (false, true) => afn += 1,
            _ => {}
        }
        if r.question != it.question || r.why != it.why || r.advice != it.advice {
            println!(
                "  miss [{tag}] {}: {:?} -> question {:?} (want {:?}) why {} (want {}) advice {} (want {})",
                it.id, text, r.question, it.question, r.why, it.why, r.advice, it.advice
            );
        }
    }
    Scores {
        n: items.len(),
        why_f1: f1(wtp, wfp, wfn),
        advice_f1: f1(atp, afp, afn),
        accuracy: if items.is_empty() {
            1.0
        } else {
            ok as f64 / items.len() as f64
        },
    }
}

fn check(items: &[Item], name: &str, why: f64, advice: f64, acc: f64, stripped: bool) {
    for lang in ["nl", "en"] {
        let subset: Vec<Item> = items.iter().filter(|i| i.lang == lang).cloned().collect();
        let tag = format!("{name} {lang}");
        let s = score(&subset, stripped, &tag);
        println!(
            "{tag}: n={} why F1={:.3} advice F1={:.3} question accuracy={:.3}",
            s.n, s.why_f1, s.advice_f1, s.accuracy
        );
        assert!(s.why_f1 >= why, "{tag}: why F1 {:.3} < {why}", s.why_f1);
        assert!(
            s.advice_f1 >= advice,
            "{tag}: advice F1 {:.3} < {advice}",
            s.advice_f1
        );
        assert!(
            s.accuracy >= acc,
            "{tag}: accuracy {:.3} < {acc}",
            s.accuracy
        );
    }
}

#[test]
fn dev_set_meets_targets_as_written() {
    let items = load_dev();
    assert!(items.len() >= 100, "dev set too small: {}", items.len());
    check(&items, "dev", 0.95, 0.85, 0.90, false);
}

#[test]
fn dev_set_meets_targets_without_punctuation() {
    let items = load_dev();
    check(&items, "dev stripped", 0.90, 0.80, 0.80, true);
}

/// Held-out sentences (written for this test; not in the dev set), labelled with the dev
/// set's conventions: advice disguised as a yes/no question is `closed` + advice; "waarom
/// ... niet gewoon" / "why don't you" is open + why + advice; invitations ("vertel eens",
/// "could you tell me") are open; indirect questions ("ik ben benieuwd wat") are open.
const HELD_OUT: &[(&str, &str, &str, bool, bool)] = &[
    // (lang, text, question, why, advice)
    (
        "nl",
        "Hoe voelde dat voor jou toen ze dat zei?",
        "open",
        false,
        false,
    ),
    (
        "nl",
        "Kon je dat toen nog terugdraaien?",
        "closed",
        false,
        false,
    ),
    ("nl", "Waarom vind je dat zo lastig?", "open", true, false),
    (
        "nl",
        "Ik vraag me eigenlijk af waarom je daar niks van zei.",
        "open",
        true,
        false,
    ),
    (
        "nl",
        "Ik vraag me af of je dat wel had kunnen weten.",
        "closed",
        false,
        false,
    ),
    (
        "nl",
        "Hoezo vond je dat niet jouw verantwoordelijkheid?",
        "open",
        true,
        false,
    ),
    (
        "nl",
        "Hoe komt het dat je daar zo van schrok?",
        "open",
        true,
        false,
    ),
    (
        "nl",
        "Ik begrijp niet waarom de teamleider dat toestond.",
        "none",
        false,
        false,
    ),
    (
        "nl",
        "Dat is ook de reden waarom ik twijfel.",
        "none",
        false,
        false,
    ),
    (
        "nl",
        "Je moet gewoon tegen hem zeggen dat het zo niet kan.",
        "none",
        false,
        true,
    ),
    (
        "nl",
        "Je zou eens met de vertrouwenspersoon moeten praten.",
        "none",
        false,
        true,
    ),
    ("nl", "Bel haar morgen gewoon even op.", "none", false, true),
    (
        "nl",
        "Ik zou het eerst met je leidinggevende bespreken.",
        "none",
        false,
        true,
    ),
    (
        "nl",
        "Zou je niet eerst even met de ouders bellen?",
        "closed",
        false,
        true,
    ),
    (
        "nl",
        "Is het geen idee om een collega mee te nemen naar dat gesprek?",
        "closed",
        false,
        true,
    ),
    (
        "nl",
        "Wat zou je ervan vinden om het een keer samen met mij te doen?",
        "open",
        false,
        true,
    ),
    (
        "nl",
        "Waarom stuur je hem niet gewoon een mail?",
        "open",
        true,
        true,
    ),
    (
        "nl",
        "Misschien kun je het team vragen om mee te denken.",
        "none",
        false,
        true,
    ),
    (
        "nl",
        "Dat moet heel vervelend geweest zijn.",
        "none",
        false,
        false,
    ),
    (
        "nl",
        "Ik ben benieuwd hoe je collega's daarop reageerden.",
        "open",
        false,
        false,
    ),
    (
        "nl",
        "Kun je iets meer vertellen over die eerste ontmoeting?",
        "open",
        false,
        false,
    ),
    (
        "nl",
        "Wat mij raakt is dat je er helemaal alleen voor stond.",
        "none",
        false,
        false,
    ),
    (
        "nl",
        "Wanneer merkte je voor het eerst dat het misging?",
        "open",
        false,
        false,
    ),
    ("nl", "Oké. Wat deed je toen?", "open", false, false),
    (
        "nl",
        "Ik herken dat wel. Hoe ging je daar toen mee om?",
        "open",
        false,
        false,
    ),
    (
        "nl",
        "Was je boos of vooral verdrietig?",
        "closed",
        false,
        false,
    ),
    (
        "nl",
        "Zijt ge daar dan nog naartoe gegaan?",
        "closed",
        false,
        false,
    ),
    (
        "nl",
        "Waarom zijt ge toen niet naar de directie gestapt?",
        "open",
        true,
        false,
    ),
    (
        "nl",
        "Ge moet da echt nie laten gebeuren.",
        "none",
        false,
        true,
    ),
    (
        "nl",
        "We gaan nu door naar de volgende stap.",
        "none",
        false,
        false,
    ),
    (
        "nl",
        "Ik had eerder aan de bel moeten trekken, dat zie ik nu.",
        "none",
        false,
        false,
    ),
    (
        "nl",
        "Wat maakte dat je besloot om toch door te gaan?",
        "open",
        true,
        false,
    ),
    (
        "nl",
        "Wat zou je een volgende keer anders doen?",
        "open",
        false,
        false,
    ),
    (
        "nl",
        "Zou het niet beter zijn om het gesprek uit te stellen?",
        "closed",
        false,
        true,
    ),
    (
        "nl",
        "Klopt het dat de ouders al eerder hadden geklaagd?",
        "closed",
        false,
        false,
    ),
    ("nl", "Waarom niet gewoon even bellen?", "open", true, true),
    (
        "nl",
        "Ik zou ook niet weten wat ik had moeten doen.",
        "none",
        false,
        false,
    ),
    (
        "nl",
        "Welke gedachten gingen er door je heen toen de officier belde?",
        "open",
        false,
        false,
    ),
    (
        "nl",
        "Waardoor besloot je om de melding niet door te zetten?",
        "open",
        false,
        false,
    ),
    (
        "nl",
        "Ze vroeg me waarom ik zo laat was.",
        "none",
        false,
        false,
    ),
    (
        "nl",
        "Volgens mij moet je dat direct met hem bespreken.",
        "none",
        false,
        true,
    ),
    (
        "nl",
        "Moet je niet eerst met je leidinggevende overleggen?",
        "closed",
        false,
        true,
    ),
    (
        "nl",
        "Je moet toen wel gedacht hebben: waar ben ik aan begonnen.",
        "none",
        false,
        false,
    ),
    (
        "nl",
        "Wat ik hoor is dat je je in de steek gelaten voelde.",
        "none",
        false,
        false,
    ),
    (
        "nl",
        "Wie wil er nog een vraag stellen?",
        "open",
        false,
        false,
    ),
    ("nl", "Ja, heb ik gedaan.", "none", false, false),
    ("nl", "Denk het wel.", "none", false, false),
    (
        "nl",
        "Hoe dan ook, we gaan verder met de volgende ronde.",
        "none",
        false,
        false,
    ),
    ("nl", "Wat fijn dat je dit inbrengt.", "none", false, false),
    (
        "nl",
        "Het beste is om eerst met de ouders te praten.",
        "none",
        false,
        true,
    ),
    (
        "nl",
        "Waarom heb je niet gewoon nee gezegd?",
        "open",
        true,
        false,
    ),
    ("nl", "Kun je een voorbeeld geven?", "open", false, false),
    (
        "nl",
        "Laten we beginnen met de eerste ronde.",
        "none",
        false,
        false,
    ),
    (
        "en",
        "How did that feel for you when she said that?",
        "open",
        false,
        false,
    ),
    (
        "en",
        "Could you still undo it at that point?",
        "closed",
        false,
        false,
    ),
    ("en", "Why do you find that so hard?", "open", true, false),
    (
        "en",
        "I was wondering why you didn't mention it.",
        "open",
        true,
        false,
    ),
    (
        "en",
        "I wonder whether you could have known that.",
        "closed",
        false,
        false,
    ),
    (
        "en",
        "What made you decide to keep going?",
        "open",
        true,
        false,
    ),
    (
        "en",
        "I don't understand why the team lead allowed that.",
        "none",
        false,
        false,
    ),
    (
        "en",
        "You need to talk to HR about this.",
        "none",
        false,
        true,
    ),
    ("en", "Just call her tomorrow.", "none", false, true),
    (
        "en",
        "I would discuss it with your manager first.",
        "none",
        false,
        true,
    ),
    (
        "en",
        "Couldn't you just say you don't have time?",
        "closed",
        false,
        true,
    ),
    (
        "en",
        "Wouldn't it be better to postpone the meeting?",
        "closed",
        false,
        true,
    ),
    ("en", "Why don't you send him an email?", "open", true, true),
    (
        "en",
        "It might be a good idea to write that down.",
        "none",
        false,
        true,
    ),
    ("en", "That must have been awful.", "none", false, false),
    (
        "en",
        "I'm curious how your colleagues responded.",
        "open",
        false,
        false,
    ),
    (
        "en",
        "Walk me through what you did that morning.",
        "open",
        false,
        false,
    ),
    (
        "en",
        "What I notice is that you were completely on your own.",
        "none",
        false,
        false,
    ),
    ("en", "Okay. What did you do then?", "open", false, false),
    (
        "en",
        "Were you angry or mostly sad?",
        "closed",
        false,
        false,
    ),
    (
        "en",
        "I should have raised the alarm earlier, I see that now.",
        "none",
        false,
        false,
    ),
    (
        "en",
        "What would you do differently next time?",
        "open",
        false,
        false,
    ),
    (
        "en",
        "For what reason did you leave the team?",
        "open",
        true,
        false,
    ),
    (
        "en",
        "Have you tried talking to her directly?",
        "closed",
        false,
        true,
    ),
    (
        "en",
        "How about asking her what she needs?",
        "open",
        false,
        true,
    ),
    ("en", "I think I handled it badly.", "none", false, false),
    (
        "en",
        "You really have to stand up for yourself.",
        "none",
        false,
        true,
    ),
    (
        "en",
        "Would it help if you emailed the parents beforehand?",
        "closed",
        false,
        true,
    ),
    ("en", "I'd find that hard myself too.", "none", false, false),
    (
        "en",
        "Don't let him walk all over you.",
        "none",
        false,
        true,
    ),
    (
        "en",
        "At what point did you decide to step in?",
        "open",
        false,
        false,
    ),
    (
        "en",
        "It was your shift, wasn't it?",
        "closed",
        false,
        false,
    ),
    ("en", "Why didn't you just say no?", "open", true, false),
    (
        "en",
        "You must feel terrible about it.",
        "none",
        false,
        false,
    ),
    (
        "en",
        "So what you're saying is that nobody helped you.",
        "none",
        false,
        false,
    ),
    (
        "en",
        "When I arrived, the door was already open.",
        "none",
        false,
        false,
    ),
    (
        "en",
        "It's worth checking with HR first.",
        "none",
        false,
        true,
    ),
];

fn held_out() -> Vec<Item> {
    HELD_OUT
        .iter()
        .enumerate()
        .map(|(i, (lang, text, q, why, advice))| Item {
            id: format!("held-out-{i}"),
            lang: lang.to_string(),
            text: text.to_string(),
            question: qtype(q),
            why: *why,
            advice: *advice,
        })
        .collect()
}

#[test]
fn held_out_sentences_generalise() {
    let items = held_out();
    check(&items, "held-out", 0.95, 0.90, 0.95, false);
    // Without punctuation a statement-shaped question ("it was your shift, wasn't it") can
    // still be found by its tag; only pure intonation questions are lost.
    check(&items, "held-out stripped", 0.95, 0.90, 0.90, true);
}

fn c(text: &str) -> observant::analysis::Classification {
    clf().classify(text, LangHint::Auto)
}

fn both(text: &str) -> [observant::analysis::Classification; 2] {
    [c(text), c(&strip(text))]
}

fn cue(r: &observant::analysis::Classification, label: &str) -> Vec<String> {
    r.evidence
        .iter()
        .filter(|e| e.label == label)
        .map(|e| e.cue.to_lowercase())
        .collect()
}

#[test]
fn indirect_why_questions() {
    for r in both("Ik vraag me af waarom je de teamleider er niet bij hebt gehaald.") {
        assert_eq!(r.question, QuestionType::Open);
        assert!(r.why);
        assert!(
            cue(&r, "why").contains(&"waarom".to_string()),
            "{:?}",
            r.evidence
        );
    }
    for r in both("I was wondering why you kept it to yourself.") {
        assert_eq!(r.question, QuestionType::Open);
        assert!(r.why);
    }
    for r in both("Ik ben benieuwd waarom je daar toen voor koos.") {
        assert!(r.why && r.question == QuestionType::Open);
    }
}

#[test]
fn statements_containing_why_words_are_not_why_questions() {
    for t in [
        "Ik begrijp niet waarom de teamleider dat toestond.",
        "Dat is precies waarom ik het vraag.",
        "Ze vroeg me waarom ik zo laat was.",
        "Waarom-vragen vermijd ik liever.",
        "I can't see why that would matter.",
        "That's the reason I'm asking.",
    ] {
        for r in both(t) {
            assert!(!r.why, "{t}: {:?}", r.evidence);
            assert_eq!(r.question, QuestionType::None, "{t}");
        }
    }
}

#[test]
fn flemish_forms() {
    for r in both("Zijt ge daar dan nog naartoe gegaan?") {
        assert_eq!(r.question, QuestionType::Closed);
        assert_eq!(r.lang, Lang::Nl);
    }
    for r in both("Hebde gij da zelf ook zo ervaren?") {
        assert_eq!(r.question, QuestionType::Closed);
    }
    for r in both("Waarom hebt ge uw directeur niet ingelicht?") {
        assert!(r.why && !r.advice);
    }
    for r in both("Allez, ge moet dat toch gewoon tegen hem zeggen.") {
        assert!(r.advice);
        assert_eq!(r.question, QuestionType::None);
    }
    for r in both("Kunt ge dat wat toelichten?") {
        assert_eq!(r.question, QuestionType::Open);
    }
}

#[test]
fn filler_prefixed_utterances() {
    assert_eq!(
        c("eh uhm was dat de eerste keer").question,
        QuestionType::Closed
    );
    assert_eq!(
        c("nou eh, wie had er toen de leiding").question,
        QuestionType::Open
    );
    assert_eq!(
        c("ja maar heb je dat ook gemeld").question,
        QuestionType::Closed
    );
    assert_eq!(
        c("um so what did she say then").question,
        QuestionType::Open
    );
    assert_eq!(c("uh, did you tell anyone").question, QuestionType::Closed);
    let r = c("ja nee precies, dat herken ik");
    assert_eq!(r.question, QuestionType::None);
    assert!(!r.contradiction);
}

#[test]
fn stacked_questions_are_counted() {
    let t = "Wat deed je? En hoe reageerde hij daarop? En wat voelde je toen?";
    for r in both(t) {
        assert_eq!(r.question, QuestionType::Open);
        assert_eq!(r.questions, 3, "{:?}", r.evidence);
    }
    for r in both("What did you do? And how did he react? And what did you feel?") {
        assert_eq!(r.questions, 3);
    }
    // A tag does not add a question.
    assert_eq!(c("Dus je hebt het niet verteld? Of wel?").questions, 1);
    assert_eq!(c("Ik snap het. Waarom heb je niks gezegd?").questions, 1);
    assert_eq!(c("Dat snap ik.").questions, 0);
}

#[test]
fn advice_disguised_as_question() {
    for t in [
        "Heb je er al eens aan gedacht om hulp te vragen?",
        "Zou het niet helpen als je de ouders vooraf een mail stuurt?",
        "Kun je haar niet gewoon even bellen?",
        "Have you thought of asking for help?",
        "Shouldn't you check with your manager first?",
    ] {
        for r in both(t) {
            assert!(r.advice, "{t}");
            assert!(!r.why, "{t}");
            assert_eq!(r.question, QuestionType::Closed, "{t}");
        }
    }
    for t in [
        "Waarom neem je niet gewoon een dag vrij?",
        "Why don't you just take a day off?",
    ] {
        for r in both(t) {
            assert!(r.advice && r.why, "{t}");
            assert_eq!(r.question, QuestionType::Open, "{t}");
        }
    }
    // Factual questions about past actions are no advice.
    for t in [
        "Heb je haar al gebeld?",
        "Welke opties heb je overwogen?",
        "Did you report it?",
    ] {
        assert!(!c(t).advice, "{t}");
    }
}

#[test]
fn empathy_and_own_wishes_are_not_advice() {
    for t in [
        "Je moet wel erg geschrokken zijn.",
        "Dat moet pijnlijk zijn geweest.",
        "Ik zou graag willen weten wat er daarna gebeurde.",
        "Ik zou het zelf ook lastig vinden.",
        "You must have been really scared.",
        "I'd like to know what happened next.",
        "I should have called her earlier.",
        "Ik denk dat ik vaker nee moet zeggen.",
    ] {
        for r in both(t) {
            assert!(!r.advice, "{t}: {:?}", r.evidence);
        }
    }
}

#[test]
fn evidence_names_the_cue() {
    let r = c("Je moet echt voor jezelf opkomen.");
    assert!(r.advice);
    assert!(
        cue(&r, "advice").iter().any(|c| c.contains("je moet")),
        "{:?}",
        r.evidence
    );
    let r = c("Waarom heb je de ouders niet gebeld?");
    assert_eq!(cue(&r, "why"), ["waarom"]);
    assert!(!cue(&r, "question").is_empty());
    let r = c("Have you considered taking a few days off?");
    assert!(
        cue(&r, "advice")
            .iter()
            .any(|c| c.contains("have you considered"))
    );
    let r = c("Iedereen deed altijd gewoon wat hij zelf wilde.");
    assert!(r.generality && r.corrective);
    assert!(cue(&r, "generality").contains(&"iedereen".to_string()));
    assert!(cue(&r, "generality").contains(&"altijd".to_string()));
}

#[test]
fn spelregel_and_discussion_signals() {
    assert!(c("Men verwacht gewoon dat je altijd klaarstaat.").not_i);
    assert!(c("Wij vinden dat het anders moet.").not_i);
    assert!(!c("Ik vind dat het anders moet.").not_i);
    assert!(c("ja maar dat is niet zo, ik heb het wel gemeld").contradiction);
    assert!(c("Nee, dat klopt niet.").corrective);
    assert!(c("yeah but that's not what happened").contradiction);
    assert!(!c("Dank je wel voor je inbreng.").contradiction);
}

#[test]
fn question_category_and_focus() {
    let r = c("Hoe voelde dat voor jou?");
    assert_eq!(r.category, Some(QuestionCategory::Experience));
    assert_eq!(r.focus, Some(QuestionFocus::Experience));
    let r = c("Wat heb je daarvan geleerd?");
    assert_eq!(r.category, Some(QuestionCategory::Learning));
    let r = c("Wat deed je toen?");
    assert_eq!(r.category, Some(QuestionCategory::Actions));
    assert_eq!(r.focus, Some(QuestionFocus::Informative));
    let r = c("Wat gebeurde er precies?");
    assert_eq!(r.category, Some(QuestionCategory::Situation));
    assert_eq!(c("Ik ging naar huis.").category, None);
}

#[test]
fn language_is_detected_per_utterance() {
    assert_eq!(c("Waarom niet?").lang, Lang::Nl);
    assert_eq!(c("Why not?").lang, Lang::En);
    assert_eq!(c("hoezo dan").lang, Lang::Nl);
    assert_eq!(c("did you file a report").lang, Lang::En);
    assert_eq!(clf().detect_lang("ik weet het niet"), Lang::Nl);
    let forced = clf().classify("why not", LangHint::Fixed(Lang::Nl));
    assert_eq!(forced.lang, Lang::Nl);
}

#[test]
fn odd_input_never_panics() {
    let long = "waarom heb je dat gedaan en ".repeat(2000);
    for t in [
        "",
        "   ",
        "?",
        "?!?!",
        "\u{0}\u{1}\t",
        "😀😀 waarom 😀",
        "ЖЖЖ",
        "ج",
        "- - -",
        "'s avonds",
        "a",
        long.as_str(),
    ] {
        let r = c(t);
        assert!((0.0..=1.0).contains(&r.confidence), "{t:?}");
    }
    assert_eq!(c("").question, QuestionType::None);
}

#[test]
fn trainer_file_extends_the_lists() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("extra.toml");
    std::fs::write(
        &path,
        "lang = \"nl\"\n[patterns]\nadvice = [\"pak de telefoon\"]\n",
    )
    .unwrap();
    let extended = observant::setup::classifier_with_file(&path).unwrap();
    let t = "pak de telefoon en regel het";
    assert!(!c(t).advice);
    assert!(extended.classify(t, LangHint::Auto).advice);
    std::fs::write(&path, "lang = \"nl\"\n[patterns]\nadvise = [\"x\"]\n").unwrap();
    let err = observant::setup::classifier_with_file(&path).unwrap_err();
    assert!(format!("{err:#}").contains("advise"));
}

// ---- the binary ----------------------------------------------------------------------

fn run_classify(args: &[&str], input: &[u8]) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_observant"))
        .arg("classify")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("observant binary runs");
    {
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(input).unwrap();
    }
    child.wait_with_output().unwrap()
}

#[test]
fn binary_classifies_lines_in_order() {
    let input = "Waarom deed je dat?\n\nheb je het gemeld\nYou should just call her.\nik vraag me af waarom je niks zei\n";
    let out = run_classify(&[], input.as_bytes());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 5);
    assert_eq!(lines[0]["text"], "Waarom deed je dat?");
    assert_eq!(lines[0]["question"], "open");
    assert_eq!(lines[0]["why"], true);
    assert_eq!(lines[0]["advice"], false);
    assert_eq!(lines[1]["question"], "none");
    assert_eq!(lines[2]["question"], "closed");
    assert_eq!(lines[3]["advice"], true);
    assert_eq!(lines[3]["lang"], "en");
    assert_eq!(lines[4]["why"], true);
    for l in &lines {
        for key in ["questions", "lang", "confidence", "cues", "evidence"] {
            assert!(l.get(key).is_some(), "missing {key} in {l}");
        }
    }
}

#[test]
fn binary_rejects_invalid_utf8_with_line_number() {
    let out = run_classify(&[], b"goed zo\nwat \xff\xfe nou\nnog een\n");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("line 2"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    // The valid line before it was still classified.
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
}

#[test]
fn binary_lang_and_config_options() {
    let out = run_classify(&["--lang", "en"], b"waarom niet\n");
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["lang"], "en");

    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("words.toml");
    std::fs::write(
        &cfg,
        "lang = \"en\"\n[patterns]\nadvice = [\"go for it\"]\n",
    )
    .unwrap();
    let out = run_classify(&["--config", cfg.to_str().unwrap()], b"go for it mate\n");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["advice"], true);

    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "lang = \"en\"\n[patterns]\nadvice = [\"@nosuchclass\"]\n",
    )
    .unwrap();
    let out = run_classify(&["--config", bad.to_str().unwrap()], b"x\n");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("nosuchclass"), "{err}");
}

#[test]
fn binary_handles_closed_stdout() {
    // `observant classify | head -1`: the reader goes away; no panic message, no error.
    let mut child = Command::new(env!("CARGO_BIN_EXE_observant"))
        .arg("classify")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let input = "wat deed je toen\n".repeat(50_000);
    let mut stdin = child.stdin.take().unwrap();
    let _ = stdin.write_all(input.as_bytes());
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert!(out.status.success(), "{err}");
}

// ---- Issue 14: what recognition does to text, and known misses ----

#[test]
fn why_words_split_by_the_recogniser_are_still_why_questions() {
    for t in [
        "hoe zo",
        "hoe zo dan",
        "waar om heb je dat niet gemeld",
        "waar om vraag je het dan niet aan haar",
        "en waar om deed je dat",
    ] {
        let r = c(t);
        assert!(r.why, "{t}: {:?}", r.evidence);
        assert_eq!(r.question, QuestionType::Open, "{t}");
    }
    // The parts keep their own meaning when they are not one question word together.
    for t in [
        "ik weet niet waar om het gaat",
        "daar waar om gevraagd wordt",
    ] {
        assert!(!c(t).why, "{t}");
    }
}

#[test]
fn lowercase_unpunctuated_why_questions_from_speech() {
    for t in [
        "waarom laten we die stop niet gewoon hier",
        "waarom moet ik dat altijd doen",
        "waarom vraag je het dan niet",
        "hoezo",
        "eh waarom heb je dat zo gedaan",
    ] {
        assert!(c(t).why, "{t}");
    }
}

#[test]
fn a_free_relative_opening_is_a_statement_not_an_open_question() {
    for t in [
        "Wat hier gezegd wordt, blijft in deze groep.",
        "wat hier gezegd wordt blijft in deze groep",
        "Wat we hier bespreken, blijft binnen de groep.",
        "wat in deze kring gezegd wordt blijft hier",
        "Hoe jullie het aanpakken, is aan jullie.",
        "Wat je nu vertelt, neem ik mee naar de volgende stap.",
    ] {
        let r = c(t);
        assert_eq!(r.question, QuestionType::None, "{t}: {:?}", r.evidence);
        assert!(!r.why && !r.advice, "{t}");
    }
    // Real questions that open with the same words stay questions.
    for t in [
        "Wat heb je toen gedaan?",
        "wat deed je toen",
        "Wat wordt er hier van je verwacht?",
        "wanneer je dat merkt wat doe je dan",
        "Hoe reageerde je collega?",
    ] {
        assert_eq!(c(t).question, QuestionType::Open, "{t}");
    }
}

#[test]
fn maybe_you_could_is_advice_not_an_open_question() {
    for t in [
        "Maybe you could ask her mentor to help.",
        "Maybe you could ask her mentor to ...",
        "maybe you could ask her mentor to sit in",
        "Perhaps you could talk to him first.",
        "Maybe you should just call her tomorrow",
        "Misschien kun je haar mentor vragen om mee te kijken.",
    ] {
        let r = c(t);
        assert!(r.advice, "{t}: {:?}", r.evidence);
        assert_ne!(r.question, QuestionType::Open, "{t}");
    }
}

#[test]
fn an_elliptic_zoals_question_is_open_also_with_the_recognisers_full_stop() {
    for t in [
        "Zoals wat.",
        "zoals wat",
        "Zoals wie dan?",
        "zoals waar bijvoorbeeld",
    ] {
        assert_eq!(c(t).question, QuestionType::Open, "{t}");
    }
    for t in ["Zoals wat je zegt, het klopt.", "zoals je weet is het zo"] {
        assert_eq!(c(t).question, QuestionType::None, "{t}");
    }
}

#[test]
fn it_does_not_matter_is_no_imperative_even_as_misheard() {
    for t in [
        "Maakt niet uit.",
        "maak niet uit voor mij is het toch afval",
        "Het maakt mij niet uit.",
    ] {
        assert!(!c(t).advice, "{t}");
    }
    assert!(c("Maak eerst een plan.").advice);
}

#[test]
fn zijn_after_a_question_word_is_the_verb_before_a_pronoun_and_the_possessive_before_a_noun() {
    // As the recogniser writes them: no question mark, lowercase.
    for t in [
        "waar zijn jullie geweest",
        "Waar zijn jullie die",
        "wat zijn jullie van plan",
        "hoe zijn jullie daar gekomen",
        "wanneer zijn we dat overeengekomen",
        "waar zijn ze nu mee bezig",
        "Hoe zijn jullie daar terechtgekomen.",
    ] {
        let r = c(t);
        assert_eq!(r.question, QuestionType::Open, "{t}: {:?}", r.evidence);
    }
    // "zijn" as a possessive still makes an embedded clause: no question.
    for t in [
        "ik snap waarom zijn vader boos werd",
        "ik weet niet waar zijn tas is",
        "ze vertelde hoe zijn collega reageerde",
    ] {
        let r = c(t);
        assert_eq!(r.question, QuestionType::None, "{t}: {:?}", r.evidence);
    }
}

#[test]
fn an_imperative_after_a_name_or_an_interjection_and_a_comma_is_advice() {
    for t in [
        "Anna, bel haar gewoon even.",
        "anna, bel haar gewoon even",
        "Voorzichtig, doe het dier geen pijn.",
        "Kijk uit, doe dat niet.",
        "Pieter, probeer het eerst met je teamleider.",
        "Maar zichtig, doe het arm en die er geen pijn.",
    ] {
        let r = c(t);
        assert!(r.advice, "{t}: {:?}", r.evidence);
    }
    // A clause with its own verb before the comma, a filler, or a question after it: no.
    for t in [
        "het was, zeg maar, lastig",
        "Toen ik dat zag, zeg maar, schrok ik.",
        "Anna, doe je dat vaak?",
    ] {
        let r = c(t);
        assert!(!r.advice, "{t}: {:?}", r.evidence);
    }
}
