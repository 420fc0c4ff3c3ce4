"""Tests for the letter check engine (issue 3): rule families, negation, contrast, templates,
the whole-letter checklist, robustness, speed guard, and the dev-set quality bar.

The letters in OWN_LETTERS were written for these tests (they are not in the dev set) to guard
against rules that only fit the dev set's wording.
"""

from __future__ import annotations

import ast
import json
import time
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.advice import letters as lt
from bot.advice.letters import Decision, LetterLabel, analyze_letter, load_rules, render_text

ROOT = Path(__file__).resolve().parents[1]
DEV_SET = ROOT.parent / "shared" / "eval" / "letters-dev.jsonl"
TODAY = date(2025, 9, 15)


def categories(text: str) -> Counter[str]:
    return Counter(e.category for e in analyze_letter(text, today=TODAY).evidence)


def rule_ids(text: str) -> set[str]:
    return {e.rule_id for e in analyze_letter(text, today=TODAY).evidence}


# ------------------------------------------------------------------------------- own letters
OWN_LETTERS: list[tuple[str, str]] = [
    # strong
    (
        "strong",
        "Ms. Adaeze Nwosu was a fourth-year student on my inpatient cardiology team for four weeks. She "
        "followed four to five patients, and when one of them developed new chest pain overnight she "
        "obtained an ECG, recognized posterior ST elevation and had the catheterization lab activated "
        "before the fellow arrived. I let her run our morning huddle in her final week. Of the roughly 90"
        " students I have supervised in the last six years, she is among the top three. I give her my "
        "highest recommendation.",
    ),
    (
        "strong",
        "I am having pleasure to recommend Dr. Imran Qureshi with out any reservation. He worked as house"
        " officer in our Medicine Unit-I for one year. He was managing 25 bedded ward in night duty alone"
        " and he identified the early signs of hepatic encephalopathy in many patients. I was trusting "
        "him to do ascitic taps and central lines independently. Among 40 house officers of that year he "
        "was number one. I strongly recommend him.",
    ),
    (
        "strong",
        "Dr. Leila Farouk spent two years as a postdoctoral fellow in my outcomes laboratory. She "
        "designed a study of readmissions after heart failure discharge using data from 12,000 patients, "
        "wrote the analysis plan herself, and is first author on a paper now in press. When our "
        "coordinator left, I entrusted her with running the weekly team meeting. She is the most capable "
        "of the 20 fellows I have mentored over 15 years, and I recommend her enthusiastically for "
        "internal medicine.",
    ),
    (
        "strong",
        "I cannot say enough good things about Mr. Bao Tran. During his sub-internship in general surgery"
        " he carried an intern-level census of eight patients, and he was the one who noticed a rising "
        "lactate in a patient after a bowel resection, which led to an early return to the operating room"
        " for an anastomotic leak. Residents asked for him by name. He ranks in the top 5% of the "
        "students I have worked with in twenty years, and I recommend him without hesitation.",
    ),
    (
        "strong",
        "His only weakness, if it is one, is that he is too hard on himself. On our psychiatry consult "
        "service Dr. Mateo Ruiz evaluated more than 120 patients in eight weeks and recognized anti-NMDA "
        "receptor encephalitis in a young woman admitted as a first psychotic episode; the antibody test "
        "confirmed it. I trusted him to lead family meetings by his third week. He is the best resident "
        "of the 14 in his class, and I recommend him with great enthusiasm.",
    ),
    (
        "strong",
        "Dr. Kofi Mensah joined our ICU as a clinical fellow from Accra and within a month was running "
        "the night service with me available by phone. He picked up a tension pneumothorax on a "
        "ventilated patient from the waveform alone and decompressed it before the chest film came back. "
        "Nurses trusted him completely. He is the most impressive of the 30 international fellows we have"
        " trained since 2012, and he has my unqualified support for anesthesiology residency.",
    ),
    (
        "strong",
        "In fifteen years of teaching I have rarely written a letter this easily. Ms. Hannah Cole took "
        "ownership of a complex patient with lupus nephritis, coordinated nephrology and rheumatology, "
        "and noticed the drop in complement levels that prompted the biopsy. I allowed her to write "
        "orders under my co-signature from the second week. She is in the top 2% of students I have "
        "taught. I recommend her in the strongest possible terms.",
    ),
    (
        "strong",
        "Dr. Ravi Menon worked under me as a senior house officer for 18 months in a 600-bed tertiary "
        "hospital. He ran the acute medical unit at night, handled more than 40 admissions a shift, and "
        "introduced an early warning score that cut our cardiac arrests on the ward by a third. Of the 70"
        " junior doctors I have supervised, he is among the best three. I recommend him wholeheartedly.",
    ),
    (
        "strong",
        "I would rank Ms. Julia Brandt first among the 48 students who rotated through our pediatric "
        "emergency department this year. She diagnosed intussusception in a toddler sent home twice "
        "before, and the ultrasound confirmed it. By the end of her first week I trusted her to see "
        "patients on her own and present only the plan. I give her my strongest endorsement.",
    ),
    (
        "strong",
        "Over three months on our stroke unit, Dr. Anjali Rao evaluated every code stroke that came in on"
        " her shifts, and she was the resident who caught a basilar artery occlusion in a patient whose "
        "symptoms had been attributed to vertigo. She then pushed for thrombectomy, and the patient "
        "walked out of the hospital a week later. Among the 22 residents I have supervised as unit "
        "director, she is the strongest. I endorse her without reservation.",
    ),
    (
        "strong",
        "Mr. Theo Lang is simply the finest sub-intern I have had in my nine years as clerkship director,"
        " out of roughly 300 students. He managed a full census, and one morning he recognized that a "
        "patient's new confusion was due to a missed hyponatremia and corrected the fluids. I let him run"
        " family meetings by himself. He has my highest recommendation.",
    ),
    (
        "strong",
        "Dr. Beatriz Lima was chief resident in our family medicine program in Sao Paulo. She designed a "
        "hypertension group clinic that brought blood pressure under control in 60% of enrolled patients "
        "within six months, and she taught our first-year residents to perform point-of-care ultrasound. "
        "She is the best resident I have trained in 12 years. I recommend her with complete confidence.",
    ),
    (
        "strong",
        "Ms. Dana Weiss was the best of the 35 students on our surgery clerkship this year and the only "
        "one I allowed to close fascia under my supervision in her second week. She identified an "
        "anastomotic leak on a post-operative day four CT read before the radiology report was finalized."
        " I recommend her enthusiastically.",
    ),
    (
        "strong",
        "Dr. Selin Aksoy was my intern on the hematology ward for three months. When a young man with "
        "fever and pancytopenia was admitted on a Friday night, she reviewed the smear herself, suspected"
        " acute promyelocytic leukemia and started ATRA before the diagnosis was confirmed on Monday. I "
        "relied on her to run the ward when I was in clinic. She is the best intern I have supervised in "
        "eight years, and I recommend her without reservation.",
    ),
    (
        "strong",
        "Mr. Finn Gallagher is, quite simply, the strongest student to come through our rural family "
        "medicine clerkship since I became its director in 2011; I have supervised about 200. He set up a"
        " diabetic foot screening day that identified eleven patients needing urgent podiatry. Our nurses"
        " asked that he be allowed to stay on. My recommendation is unreserved.",
    ),
    (
        "strong",
        "I recommend Dr. Hyun-woo Lee enthusiastically. As a visiting resident in our transplant surgery "
        "unit for six weeks he took primary responsibility for post-operative care of four kidney "
        "recipients and noticed early graft dysfunction in one, which led to a timely biopsy and rescue "
        "therapy. I would place him in the top 10% of the 50 or so visiting residents we have hosted.",
    ),
    (
        "strong",
        "Dr. Musa Abubakar has worked with me for two years in the infectious diseases unit of our "
        "teaching hospital in Kano. He led our antimicrobial stewardship audit, which reduced carbapenem "
        "use by a third, and he presented the results at a national conference. I trusted him to see "
        "consults alone from his second month. He is the most capable of the 16 registrars I have "
        "trained. I give him my strongest recommendation.",
    ),
    (
        "strong",
        "During a cholera outbreak in our district, Dr. Jean-Paul Mbeki organized the treatment center, "
        "trained twelve nurses in rehydration protocols, and kept mortality below 1% among more than 400 "
        "patients. I have directed this hospital for 20 years and he is the finest young physician I have"
        " worked with. I recommend him without the slightest hesitation.",
    ),
    # lukewarm
    (
        "lukewarm",
        "Mr. Diego Alvarez rotated on our hospitalist service for four weeks. His work was solid and his "
        "notes were complete. He got along with the team and took feedback well. He performed at about "
        "the level of his classmates. I think he would be a fine internal medicine resident.",
    ),
    (
        "lukewarm",
        "Dr. Yusuf Demir's clinical reasoning was sound and appropriate for a first-year resident. He "
        "completed his assigned tasks reliably and was courteous with patients. His presentations were "
        "clear if somewhat long. I support his application to neurology.",
    ),
    (
        "lukewarm",
        "Ms. Priya Natarajan is a good student who did a very good job on our pediatrics ward. Her "
        "knowledge was at the expected level and her interactions with families were good. She would make"
        " a good pediatric resident.",
    ),
    (
        "lukewarm",
        "Dr. Tomas Lind worked in our surgical department for six months. He assisted in operations, saw "
        "patients in clinic, and wrote discharge summaries. His surgical skills are average for his "
        "level, and his patient care was appropriate. He is a reasonable candidate.",
    ),
    (
        "lukewarm",
        "It was a real pleasure having Ms. Eva Novak on our team. She was always cheerful and pleasant, "
        "and her presentations were acceptable. Her knowledge was satisfactory for a student at her "
        "stage. I'm sure she will do fine.",
    ),
    (
        "lukewarm",
        "Dr. Chinedu Obi has done his house job in our department of Surgery. His performance was "
        "satisfactory and he was doing his duties as per expectation. He is having reasonable knowledge. "
        "I support his application.",
    ),
    (
        "lukewarm",
        "Mr. Aaron Wells completed his required surgery clerkship with us. He was usually prepared for "
        "cases and his knowledge base was appropriate for a third-year student. He interacted well with "
        "patients. His overall performance was in the middle of his class. I believe he will be a "
        "competent resident.",
    ),
    (
        "lukewarm",
        "Dr. Fatima Zahra did her internship in our department of obstetrics for three months. She "
        "attended deliveries, assisted in caesarean sections and managed routine antenatal cases "
        "satisfactorily. She is cooperative and obedient. I support her candidature.",
    ),
    (
        "lukewarm",
        "Ms. Laura Chen spent four weeks on our dermatology service. Her histories were thorough enough "
        "and her differential diagnoses were reasonable. She was pleasant to work with and arrived on "
        "time. I think she would make an acceptable dermatology resident.",
    ),
    (
        "lukewarm",
        "Dr. Peter Ivanov rotated with our nephrology team for one month. His performance met our "
        "standards. He presented patients in an organized way and his notes were acceptable. I expect "
        "that he would perform adequately as an intern.",
    ),
    (
        "lukewarm",
        "Dr. Nikhil Rao spent eight weeks on our inpatient service. He was conscientious and his fund of "
        "knowledge was adequate. His clinical judgment was developing appropriately for his level, and he"
        " was well liked by the team. I am happy to support his application.",
    ),
    (
        "lukewarm",
        "Ms. Clara Voss was a solid student on our obstetrics rotation. She attended deliveries, followed"
        " her patients postpartum and wrote acceptable notes. She was courteous and engaged. She would be"
        " a reasonable choice for your program.",
    ),
    (
        "lukewarm",
        "Dr. Mohammed Al-Sayed completed his training year in our department. His clinical work met the "
        "department's standards and he handled the routine workload of the ward. He maintained good "
        "relations with staff and patients. I support his application for residency.",
    ),
    (
        "lukewarm",
        "I was Mr. Kenji Ito's preceptor in the outpatient clinic for four weeks. He saw patients, "
        "presented them reasonably, and completed his notes on time. He is a nice young man who performed"
        " at the level we expect from fourth-year students.",
    ),
    (
        "lukewarm",
        "Dr. Omar Farouk's performance during his pediatric elective was average. He took appropriate "
        "histories and showed a reasonable understanding of common childhood illnesses. He was punctual "
        "and respectful. I think he could be a good resident with time.",
    ),
    (
        "lukewarm",
        "Ms. Rosa Delgado completed our four-week geriatrics elective. Her notes were acceptable and she "
        "was dependable about finishing her work. Her fund of knowledge was average for a fourth-year "
        "student. She was kind to our patients. I support her application.",
    ),
    (
        "lukewarm",
        "Dr. Andrei Popa worked with us for one year as a resident in cardiology. He fulfilled his "
        "clinical duties satisfactorily and participated in the on-call rota. His knowledge of cardiology"
        " is at a reasonable level. He is polite and cooperative. I think he will perform adequately in a"
        " residency program.",
    ),
    (
        "lukewarm",
        "Ms. Yuki Tanaka rotated on our neurology consult service. She was an engaged member of the team "
        "and her presentations were generally well organized. She performed at the level we expect of "
        "students at her stage. She will be a solid resident.",
    ),
    (
        "lukewarm",
        "Mr. Ibrahim Diallo did a good job during his rotation in our emergency department. He saw a fair"
        " number of patients, his plans were appropriate, and the nurses found him pleasant. I have no "
        "concerns about his professionalism. I support his candidacy for emergency medicine.",
    ),
    (
        "lukewarm",
        "Dr. Elif Kaya worked in our pathology department for six months. She previewed surgical cases, "
        "wrote reports under supervision and attended sign-out daily. Her reports were acceptable and her"
        " diagnostic skills appropriate for a junior trainee. I think she would be a reasonable pathology"
        " resident.",
    ),
    # generic
    (
        "generic",
        "Dear Sir/Madam, I am pleased to recommend [Candidate Name] for the residency program in "
        "[Specialty]. [He/She] was a dedicated member of our team. Sincerely,",
    ),
    (
        "generic",
        "Dr. Rahul Mehta completed a one-month elective in our department. Dr. Mehta is sincere and "
        "hardworking. Dr. Kapoor was always eager to learn and will be an asset to any program. I "
        "recommend him.",
    ),
    (
        "generic",
        "Dr. Sara Haddad is an exceptional physician, truly outstanding in every respect, and simply the "
        "finest young doctor I know. She will excel anywhere. I recommend her without reservation.",
    ),
    (
        "generic",
        "Dr. Wei Zhang completed a six-week observership in our cardiology department, where he observed "
        "echocardiography and attended clinics and conferences. He became familiar with the American "
        "health care system. He is motivated and professional. I wish him success.",
    ),
    (
        "generic",
        "Ms. Olga Petrova has been part of my laboratory for a year, where she learned basic techniques "
        "and took part in our weekly meetings. She is intelligent, hardworking and a good team member. I "
        "believe she will be a great resident.",
    ),
    (
        "generic",
        "This is to certify that Dr. Arjun Nair worked as a Junior Resident in the Department of Medicine"
        " from 01/07/2021 to 30/06/2022. His conduct and character were good. We wish him all the best.",
    ),
    (
        "generic",
        "Dr. Samira Khan is a brilliant, dedicated and compassionate doctor. She is loved by her patients"
        " and respected by her colleagues. I have no doubt she will be an asset to your esteemed "
        "institution. I recommend her highly.",
    ),
    (
        "generic",
        "Dr. Bilal Ahmed worked as a medical officer in our hospital from 2019 to 2022. During this "
        "period he was posted in medicine, surgery and pediatrics and gained experience in the management"
        " of common diseases. He is honest, hardworking and punctual. I wish him a bright future.",
    ),
    (
        "generic",
        "Mr. Tyler Green rotated with our family medicine team. He saw patients in clinic, performed "
        "physical exams and wrote notes. He is a motivated student with good communication skills who "
        "will be a great addition to any program.",
    ),
    (
        "generic",
        "It is my great pleasure to recommend Dr. Eun-ji Park. She is one of the best young physicians I "
        "have ever met, with an excellent knowledge of medicine and outstanding clinical skills. She is a"
        " natural leader and a wonderful human being. I recommend her without any hesitation.",
    ),
    (
        "generic",
        "Ms. Nadia Popescu volunteered at our research institute for six months, where she was exposed to"
        " laboratory research and attended our journal clubs. She is diligent and a fast learner.",
    ),
    (
        "generic",
        "Dr. Natalia Gomez is an excellent doctor with a passion for medicine. She is caring, "
        "hardworking, intelligent and a great team player. She has excellent communication skills and is "
        "loved by her patients. I strongly recommend her.",
    ),
    (
        "generic",
        "I am pleased to write this letter for Dr. Hamza Siddiqui, who was an observer in our cardiology "
        "clinics from June to August 2023. He attended clinics, rounds and conferences and observed "
        "echocardiograms and catheterizations. He showed keen interest and was always punctual. He will "
        "make a fine cardiologist.",
    ),
    (
        "generic",
        "This letter is to confirm that Dr. Irina Volkova worked in our polyclinic as a general "
        "practitioner from 2015 to 2021. She was involved in outpatient care and preventive medicine. She"
        " is responsible and disciplined.",
    ),
    (
        "generic",
        "To Whom It May Concern: I recommend Mr. David Osei. He is a bright and motivated young man. He "
        "will be an asset to any program.",
    ),
    (
        "generic",
        "Dr. Lara Schmidt is a dedicated, compassionate and hardworking physician. She has excellent "
        "clinical skills and a strong desire to learn. She works well in a team and has a positive "
        "attitude. She will be an excellent addition to your residency program.",
    ),
    (
        "generic",
        "It is with great pleasure that I recommend Mr. Kevin Zhou for residency. He rotated in our "
        "internal medicine clinic, where he had the opportunity to see a variety of patients with chronic"
        " diseases. He is intelligent, reliable and professional. I am confident that he will succeed in "
        "whatever he does.",
    ),
    (
        "generic",
        "Dr. Pooja Sharma completed a two-month observership at our hospital under my guidance. She "
        "observed patient care in the inpatient and outpatient settings and attended teaching "
        "conferences. She was punctual and showed a keen interest in learning. I wish her the very best.",
    ),
    (
        "generic",
        "Dr. Ahmad Nouri is the best doctor of his generation, a truly outstanding and extraordinary "
        "clinician with a heart of gold. His knowledge is vast and his dedication unmatched. I give him "
        "my highest and most enthusiastic recommendation.",
    ),
    (
        "generic",
        "This is to certify that Dr. Grace Mwangi has been working in Kenyatta Hospital as a medical "
        "officer since 2020. She is sincere in her work and has good relations with colleagues.",
    ),
    # negative
    (
        "negative",
        "Mr. Jonas Berg was a friendly and energetic member of our internal medicine team for six weeks, "
        "and he presented a thoughtful case of sarcoidosis at our noon conference. On one occasion he "
        "prescribed a tenfold overdose of insulin that the pharmacist intercepted. He was popular with "
        "the nurses and always willing to help with admissions.",
    ),
    (
        "negative",
        "I can recommend Dr. Mira Sen for residency; she was punctual and completed her work. There were "
        "times her differential diagnoses were incomplete, and she required reminders to follow up on "
        "imaging.",
    ),
    (
        "negative",
        "Ms. Kira Holm should do well in a residency program with a structured curriculum and close "
        "mentorship. She is kind and conscientious.",
    ),
    (
        "negative",
        "Mr. Felix Braun asked me to write this letter. He rotated through our clinic last spring. I did "
        "not have much opportunity to observe his clinical work, but he was always on time.",
    ),
    (
        "negative",
        "Dr. Ana Silva completed 12 shifts with us. Her patient throughput was in the bottom quartile of "
        "rotating students, and her plans often needed to be revised by the attending.",
    ),
    (
        "negative",
        "After a slow start and some early concerns about her organization, Dr. Hana Ito showed steady "
        "improvement and by the last week was able to present her patients clearly. We are proud of her "
        "growth.",
    ),
    (
        "negative",
        "Dr. Emil Novak was on our cardiology service for four weeks. He was bright and engaged in "
        "teaching sessions. However, his follow-through on patient care tasks was inconsistent, and on "
        "several occasions consults he was asked to place were not placed. I believe he has potential.",
    ),
    (
        "negative",
        "Ms. Grace Oduya is a kind and caring student who tried very hard. Her presentations were "
        "disorganized and she often could not answer basic questions about her patients. She will need a "
        "great deal of support in residency.",
    ),
    (
        "negative",
        "Dr. Lucas Moreau rotated on our service in July. He had some difficulty with time management and"
        " frequently left notes unfinished at the end of the day. He was receptive to feedback but made "
        "limited progress. He is a pleasant young man.",
    ),
    (
        "negative",
        "I am writing at the request of Mr. Victor Hale, who spent two weeks observing in our clinic. I "
        "had little direct contact with him and am therefore not able to comment on his clinical skills.",
    ),
    (
        "negative",
        "Dr. Aisha Bello is one of the hardest-working residents in our program and is much liked by the "
        "nurses. Her medical knowledge is below that of her peers, and she has failed our in-training "
        "examination twice. She is enthusiastic about a career in medicine.",
    ),
    (
        "negative",
        "During his rotation Mr. Owen Price was occasionally unprofessional with nursing staff, including"
        " one episode in which he raised his voice at a charge nurse. His clinical work was otherwise "
        "satisfactory. I recommend him.",
    ),
    (
        "negative",
        "Dr. Paolo Ricci rotated in our ICU for four weeks. He had difficulty prioritizing sick patients "
        "and twice failed to report deteriorating vital signs to the fellow. He is pleasant and works "
        "hard. I believe he will improve with more experience.",
    ),
    (
        "negative",
        "Ms. Jade Morgan is a warm and empathetic student. Unfortunately, her clinical reasoning was "
        "weak, and she frequently required step-by-step guidance to formulate a plan. She would benefit "
        "from additional clinical training before residency.",
    ),
    (
        "negative",
        "Mr. Sven Olsen's rotation was marked by several unexcused absences, which we discussed with him."
        " When present, his work was satisfactory.",
    ),
    (
        "negative",
        "Dr. Ahmed Karim has excellent knowledge and is well read. His bedside manner, however, was a "
        "concern: patients described him as cold and rushed, and one family filed a complaint. I "
        "recommend him with some reservations.",
    ),
    (
        "negative",
        "I have known Dr. Li Wen for two years as a research assistant. She is diligent and careful with "
        "data. I cannot comment on her clinical abilities, as I have not observed her with patients.",
    ),
    (
        "negative",
        "Dr. Ivan Petrov rotated on our surgical service for four weeks. He was enthusiastic and eager to"
        " operate. However, his knowledge of basic surgical anatomy was limited, and he was unable to "
        "present his patients without notes. He will require considerable supervision as an intern.",
    ),
    (
        "negative",
        "Ms. Alice Moreau was pleasant and well liked on our pediatrics team. There was one incident in "
        "which she discussed a patient's diagnosis with the family before it had been confirmed, contrary"
        " to the team's plan, and this caused the family significant distress. Otherwise her performance "
        "was satisfactory.",
    ),
    (
        "negative",
        "Mr. Raj Patel rotated with us in family medicine. He was often unprepared for clinic and his "
        "notes were frequently late. He responded politely to feedback. I am sure he will find a suitable"
        " place.",
    ),
    (
        "negative",
        "Dr. Chen Wei's clinical skills were below what we expect of interns at his stage, particularly "
        "in physical examination. He improved somewhat over the rotation. He was always respectful and "
        "punctual.",
    ),
    (
        "negative",
        "Dr. Sofia Rossi was a hard-working and pleasant intern. Her clinical judgment, however, was not "
        "always sound; on two occasions she discharged patients whose abnormal laboratory results had not"
        " been reviewed. I would recommend her for a program that provides close oversight.",
    ),
]


def own(opening: str) -> str:
    """The own test letter that starts with ``opening``."""
    return next(text for _, text in OWN_LETTERS if text.startswith(opening))


@pytest.mark.parametrize(
    ("label", "text"), OWN_LETTERS, ids=[f"{lab}-{i}" for i, (lab, _) in enumerate(OWN_LETTERS)]
)
def test_own_letters_get_the_expected_label(label: str, text: str) -> None:
    assert analyze_letter(text, today=TODAY).label == label


def test_own_letters_never_call_a_negative_letter_strong() -> None:
    for label, text in OWN_LETTERS:
        if label == "negative":
            assert analyze_letter(text, today=TODAY).label is not LetterLabel.strong


# ------------------------------------------------------------------------------ dev set floor
def _dev_items() -> list[dict]:
    return [json.loads(line) for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.skipif(not DEV_SET.exists(), reason="shared eval set not present")
def test_dev_set_accuracy_and_no_negative_called_strong() -> None:
    items = _dev_items()
    confusions: Counter[tuple[str, str]] = Counter()
    for item in items:
        confusions[(item["label"], analyze_letter(item["text"]).label.value)] += 1
    correct = sum(n for (gold, pred), n in confusions.items() if gold == pred)
    accuracy = correct / len(items)
    report = ", ".join(f"{g}->{p}: {n}" for (g, p), n in sorted(confusions.items()) if g != p)
    print(f"dev accuracy {correct}/{len(items)} = {accuracy:.3f}; confusions: {report or 'none'}")
    assert accuracy >= 0.92, report
    assert confusions[("negative", "strong")] == 0


# ---------------------------------------------------------------------- endorsement and negation
@pytest.mark.parametrize(
    ("sentence", "rule_id"),
    [
        ("I have no reservations about recommending her.", "top.no_reservation"),
        ("I recommend him without reservation.", "top.no_reservation"),
        ("I recommend her without hesitation.", "top.no_reservation"),
        ("I cannot recommend her highly enough.", "top.cannot_praise_enough"),
        ("I can't say enough good things about him.", "top.cannot_praise_enough"),
        ("I would not hesitate to recommend him.", "top.would_not_hesitate"),
        ("She has my strongest recommendation.", "top.enthusiastic"),
        ("I recommend him with great enthusiasm.", "top.enthusiastic"),
        ("We are actively recruiting her for our own program.", "top.would_recruit"),
        ("I highly recommend her.", "mid.strongly_recommend"),
        ("I recommend him for residency.", "middle.bare_recommend"),
        ("I support her application.", "middle.plain_support"),
        ("I can recommend him.", "neg.minimal_assurance"),
    ],
)
def test_endorsement_rungs(sentence: str, rule_id: str) -> None:
    assert rule_id in rule_ids(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "I cannot recommend him without reservation.",
        "I cannot recommend her for your program.",
        "I have some reservations about his readiness.",
        "I do not feel able to recommend her without reservations.",
    ],
)
def test_withheld_or_reserved_recommendation_is_negative(sentence: str) -> None:
    cats = categories(sentence)
    assert cats["negativity"] >= 1
    assert cats["top_endorsement"] == 0
    assert analyze_letter(sentence).label is LetterLabel.negative


def test_no_hesitation_about_a_middle_claim_is_not_an_endorsement() -> None:
    cats = categories("I have no hesitation in stating that she met all expectations on our service.")
    assert cats["top_endorsement"] == 0
    assert cats["middle_praise"] >= 1


@pytest.mark.parametrize(
    ("sentence", "fragment"),
    [
        ("He was never once late to clinic.", "never once late"),
        ("There were no complaints about her from the nurses.", "complaints"),
        ("She never missed a day of the rotation.", "never missed a day"),
        ("I have no concerns about his reliability.", "concerns about"),
        ("She completed the rotation without difficulty.", "difficulty"),
    ],
)
def test_denied_faults_and_low_bars_are_faint_praise(sentence: str, fragment: str) -> None:
    evidence = analyze_letter(sentence).evidence
    faint = [e for e in evidence if e.category == "faint_praise"]
    assert any(fragment in e.quote for e in faint), evidence
    assert not [e for e in evidence if e.category == "negativity"]
    assert all(e.weight < 0 for e in faint)


def test_negated_superlative_becomes_a_concern() -> None:
    evidence = analyze_letter("While not the best student I have had, she tried.").evidence
    assert any(e.category == "negativity" for e in evidence)


def test_praise_before_but_weighs_less_and_the_concern_after_more() -> None:
    plain = {e.rule_id: e.weight for e in analyze_letter("She is in the top 10% of our students.").evidence}
    mixed = analyze_letter(
        "She is in the top 10% of our students, but she struggled with documentation."
    ).evidence
    weights = {e.rule_id: e.weight for e in mixed}
    assert weights["rank.percentile"] == pytest.approx(plain["rank.percentile"] / 2)
    assert weights["neg.struggled"] == pytest.approx(load_rule("neg.struggled").weight * 1.5)


def test_however_opening_the_next_sentence_discounts_the_praise_before_it() -> None:
    text = "She is in the top 10% of our students. However, she often needed prompting to finish her notes."
    weights = {e.rule_id: e.weight for e in analyze_letter(text).evidence}
    assert weights["rank.percentile"] == pytest.approx(load_rule("rank.percentile").weight / 2)


def load_rule(rule_id: str) -> lt.Rule:
    return next(r for r in load_rules().rules if r.id == rule_id)


def test_a_struggling_family_is_not_a_struggling_applicant() -> None:
    text = "When the family of a dying man struggled to accept the prognosis, she sat with them for an hour."
    assert categories(text)["negativity"] == 0
    assert categories("At times he struggled to organise his presentations.")["negativity"] == 1


def test_a_named_weakness_that_is_praise_is_not_a_doubt() -> None:
    text = (
        "If I must name a weakness, it is that she has trouble leaving the hospital while patients are "
        "unstable."
    )
    assert categories(text)["negativity"] == 0


def test_praise_of_the_program_is_not_a_ranking() -> None:
    ids = rule_ids("Our program is one of the best in the country, and she rotated with us for a month.")
    assert not any(i.startswith("rank.") for i in ids)
    assert "rank.superlative" in rule_ids("She is one of the best students I have taught.")


def test_ranking_with_and_without_a_denominator() -> None:
    assert (
        categories("He is the strongest of the 45 residents I have supervised.")["ranking_denominator"] == 1
    )
    assert categories("He is the best intern I have worked with in ten years.")["ranking_denominator"] == 1
    assert categories("He is one of the best interns.")["ranking_denominator"] == 0
    assert categories("He was in the lower third of the 42 students this year.")["ranking_denominator"] == 0


def test_unsupported_superlatives_without_observation_are_generic() -> None:
    report = analyze_letter(
        "He is a genius and the best doctor I have ever seen. I give him my highest recommendation."
    )
    assert report.label is LetterLabel.generic
    assert any(e.category == "unsupported_superlative" for e in report.evidence)


def test_the_refuse_to_rank_then_rank_pattern_still_counts_as_ranking() -> None:
    text = (
        "I never rank students in letters. I make an exception for Dr. Lina Park, the best student I have "
        "supervised in nine years; she recognized a spinal epidural abscess that two of us had missed, and I "
        "trusted her to run our stroke alerts. I recommend her without reservation."
    )
    report = analyze_letter(text)
    assert report.label is LetterLabel.strong
    assert any(e.category == "ranking_denominator" for e in report.evidence)


def test_a_buried_concern_flips_a_warm_letter_to_negative() -> None:
    warm = (
        "Dr. Omar Aziz was a delight on our team for eight weeks. He was the first to suspect "
        "thrombotic thrombocytopenic purpura in a confused patient, and I trusted him to lead our morning "
        "huddle. He is in the top 10% of the 60 interns I have supervised. I recommend him enthusiastically."
    )
    assert analyze_letter(warm).label is LetterLabel.strong
    buried = warm.replace("I recommend", "Twice he left before signing out his patients. I recommend")
    report = analyze_letter(buried)
    assert report.label is LetterLabel.negative
    assert report.decision is Decision.no


# ------------------------------------------------------------------------------------ categories
@pytest.mark.parametrize(
    ("sentence", "category"),
    [
        ("Her performance was adequate and met expectations.", "middle_praise"),
        ("He is hardworking, sincere and punctual.", "vague_virtue"),
        ("She participated in ward rounds and was exposed to many diseases.", "boilerplate"),
        ("He showed improvement after initial concerns about his notes.", "remedial"),
        ("With appropriate supervision, she can manage a few patients.", "hedge"),
        ("He is an avid skier and a devoted husband; his wife is a nurse.", "irrelevancy"),
        ("She followed ACC/AHA guidelines and presented at M&M.", "us_signal"),
        ("I trusted her to run the ward at night.", "entrustability"),
        ("He noticed a rising creatinine and had the vancomycin dose adjusted.", "specifics"),
        ("She required close supervision for all procedures.", "negativity"),
        ("He was counseled twice about his absences.", "negativity"),
        ("She had to be reminded repeatedly to finish her notes.", "negativity"),
    ],
)
def test_rule_families(sentence: str, category: str) -> None:
    assert categories(sentence)[category] >= 1


@pytest.mark.parametrize(
    "sentence",
    [
        "The family was counseled by her about hospice care.",
        "He was honest about his own mistakes and learned from them.",
        "Patients' concerns were addressed promptly and kindly.",
        "The patient struggled with pain until she adjusted the regimen.",
        "I supervised her directly on our busy general medicine service.",
        "She took over the care of a patient whose diagnosis had been missed elsewhere.",
    ],
)
def test_neutral_or_positive_sentences_raise_no_doubt(sentence: str) -> None:
    cats = categories(sentence)
    assert cats["negativity"] == 0 and cats["remedial"] == 0


@pytest.mark.parametrize(
    "text",
    [
        "It is my pleasure to recommend [Applicant Name] for your program.",
        "I recommend <student name> for residency. He/she was reliable.",
        "Dr. ______ rotated with our team for four weeks.",
        "Dr. Anil Gupta completed a rotation with us. Dr. Gupta is hardworking. Dr. Sharma was always "
        "punctual.",
    ],
)
def test_template_residue_is_flagged_and_caps_the_label_at_generic(text: str) -> None:
    report = analyze_letter(text)
    assert any(e.category == "template" for e in report.evidence)
    assert report.label is LetterLabel.generic
    assert "template" in report.next_steps[0]


def test_evidence_quotes_are_exact_text_from_the_letter() -> None:
    for _, text in OWN_LETTERS:
        for ev in analyze_letter(text).evidence:
            assert ev.quote and ev.quote in text
            assert ev.quote in ev.sentence


def test_anchor_gate_never_hides_a_match() -> None:
    book = load_rules()
    texts = [t for _, t in OWN_LETTERS] + ([i["text"] for i in _dev_items()] if DEV_SET.exists() else [])
    for text in texts:
        folded = lt.tx.fold(text)
        gated = lt.Reading(text=text, folded=folded, spans=lt.tx.sentence_spans(folded))
        full = lt.Reading(text=text, folded=folded, spans=lt.tx.sentence_spans(folded))
        spans_gated = {
            (h.rule_id, h.start, h.end) for h in lt._scan(gated, book) if lt._keep_in_context(gated, h)
        }
        spans_full = {
            (h.rule_id, h.start, h.end)
            for h in lt._scan(full, book, gate=False)
            if lt._keep_in_context(full, h)
        }
        assert spans_gated == spans_full, text[:80]


# ------------------------------------------------------------------------------------- decision
def test_decision_follows_the_label() -> None:
    expected = {
        LetterLabel.strong: {Decision.yes},
        LetterLabel.lukewarm: {Decision.maybe, Decision.usually_no},
        LetterLabel.generic: {Decision.prefer_no, Decision.usually_no},
        LetterLabel.negative: {Decision.no},
    }
    for _, text in OWN_LETTERS:
        report = analyze_letter(text)
        assert report.decision in expected[report.label]


def test_short_vague_letter_from_a_long_contact_is_usually_no() -> None:
    report = analyze_letter("Dr. Paul Roy worked with us for two years. He is hardworking and sincere.")
    assert report.label is LetterLabel.generic
    assert report.decision is Decision.usually_no
    assert any(e.rule_id == "length.short_for_contact" for e in report.evidence)


def test_a_longer_neutral_letter_is_maybe() -> None:
    text = own("Dr. Tomas Lind")
    report = analyze_letter(text)
    assert report.label is LetterLabel.lukewarm and report.decision is Decision.maybe


def test_next_steps_and_missing_match_the_label() -> None:
    negative = analyze_letter(own("After a slow start"))
    assert any("zero programs" in step for step in negative.next_steps)
    generic = analyze_letter(own("This is to certify"))
    assert any("support packet" in step for step in generic.next_steps)
    assert any("denominator" in item or "names the pool" in item for item in generic.missing)
    strong = analyze_letter(own("Ms. Adaeze Nwosu"))
    assert any("anchor" in step for step in strong.next_steps)
    assert not any("names the pool" in item for item in strong.missing)


# --------------------------------------------------------------------------------- whole letter
WHOLE_LETTER = """Department of Internal Medicine
St. Brigid University Hospital, Dublin

{date}

Dear Program Director,

I am Professor of Medicine at St. Brigid University Hospital, a 700-bed tertiary teaching hospital, and I
supervised Dr. Niamh Keane directly for six months during her internship on our general medicine wards, where
interns carry twelve to fifteen patients each. She independently managed admissions overnight, and one
night she recognized early septic shock in a patient after a hip replacement and had fluids and antibiotics
running before the registrar arrived. I trusted her to present new admissions on the post-take ward round,
all in English, and she worked closely with our pharmacists on antibiotic stewardship. She is in the top 5%
of the 80 interns I have supervised over ten years. I recommend her without reservation for internal
medicine residency.

Please do not hesitate to contact me if you need further information.

Sincerely,
Dr. Fiona Gallagher
Professor of Medicine, Department of Internal Medicine
St. Brigid University Hospital
fiona.gallagher@stbrigid.example.ie | +353 1 555 0199
"""


def checklist(report: lt.LetterReport) -> dict[str, str]:
    return {item.key: item.status for item in report.checklist}


@pytest.mark.parametrize(
    ("written", "status"),
    [("March 3, 2025", "ok"), ("3 July 2024", "weak"), ("12/01/2023", "missing")],
)
def test_whole_letter_date_age_is_checked_against_today(written: str, status: str) -> None:
    report = analyze_letter(WHOLE_LETTER.format(date=written), today=TODAY)
    assert report.whole_letter
    assert checklist(report)["date"] == status


def test_whole_letter_without_a_date_is_missing_it() -> None:
    report = analyze_letter(WHOLE_LETTER.format(date=""), today=TODAY)
    item = next(c for c in report.checklist if c.key == "date")
    assert item.status == "missing" and "No date" in item.detail


def test_whole_letter_checklist_for_a_complete_strong_letter() -> None:
    report = analyze_letter(WHOLE_LETTER.format(date="March 3, 2025"), today=TODAY)
    assert report.label is LetterLabel.strong
    assert checklist(report) == {
        "letterhead": "ok",
        "date": "ok",
        "writer": "ok",
        "contact_details": "ok",
        "addressed_to": "ok",
        "relationship": "ok",
        "context": "ok",
        "examples": "ok",
        "peer_comparison": "ok",
        "recommendation": "ok",
        "contact_invitation": "ok",
    }


def test_whole_letter_checklist_flags_what_a_bare_letter_lacks() -> None:
    text = (
        "To Whom It May Concern,\n\nI recommend Dr. Sam Ode, who worked in our hospital. He is "
        "hardworking and "
        "punctual.\n\nRegards"
    )
    report = analyze_letter(text, today=TODAY)
    assert report.whole_letter
    marks = checklist(report)
    assert marks["addressed_to"] == "weak"
    assert marks["date"] == "missing" and marks["contact_details"] == "missing"
    assert marks["peer_comparison"] == "missing" and marks["recommendation"] == "weak"


def test_excerpts_get_no_checklist() -> None:
    report = analyze_letter(own("Ms. Adaeze Nwosu"))
    assert not report.whole_letter and report.checklist == []


def test_an_old_letter_gets_an_update_step() -> None:
    report = analyze_letter(WHOLE_LETTER.format(date="12/01/2023"), today=TODAY)
    assert any("updated letter" in step for step in report.next_steps)


# ----------------------------------------------------------------------------------- robustness
@pytest.mark.parametrize("text", ["", "   \n\t ", ".", "\x00\x01\x02", "🙂🙂🙂", "مرحبا بالعالم", "a" * 5000])
def test_odd_inputs_give_a_valid_report(text: str) -> None:
    report = analyze_letter(text)
    assert report.label in LetterLabel
    json.dumps(report.model_dump(mode="json"))
    assert not report.failed


def test_an_engine_crash_is_reported_as_a_failure_not_a_verdict(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(text: str, today: date) -> lt.LetterReport:
        raise KeyError("a rule file with a missing key")

    monkeypatch.setattr(lt, "_analyze", broken)  # the fault, injected under the public entry point
    report = analyze_letter("She is an outstanding resident.")
    assert report.failed and report.evidence == [] and "could not be read" in report.summary


def test_empty_text_is_generic_with_a_note() -> None:
    report = analyze_letter("")
    assert report.label is LetterLabel.generic and report.word_count == 0 and report.notes


def test_lone_surrogates_do_not_break_json() -> None:
    report = analyze_letter("She is hardworking \ud800 and punctual.")
    json.dumps(report.model_dump(mode="json"), ensure_ascii=False).encode("utf-8")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=600))
def test_any_text_gives_a_report(text: str) -> None:
    report = analyze_letter(text)
    data = report.model_dump(mode="json")
    assert data["label"] in {"strong", "lukewarm", "generic", "negative"}
    assert data["decision"] in {"yes", "maybe", "prefer_no", "usually_no", "no"}
    assert not report.failed
    for ev in report.evidence:
        assert ev.quote in text


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.sampled_from([t for _, t in OWN_LETTERS] + ["but", "however,", "not", "\n\n", "[Name]"]),
        max_size=8,
    )
)
def test_any_mix_of_letter_sentences_gives_a_report(parts: list[str]) -> None:
    text = " ".join(parts)
    report = analyze_letter(text)
    assert not report.failed
    json.dumps(report.model_dump(mode="json"))


def test_one_megabyte_is_analyzed_in_well_under_a_second() -> None:
    letter = " ".join(t for _, t in OWN_LETTERS)
    big = (letter + "\n") * (1_000_000 // (len(letter) + 1) + 1)
    garbage = "".join(chr(33 + (i * 7919) % 90) for i in range(1_000_000))
    for text in (big[:1_000_000], garbage):
        start = time.perf_counter()
        report = analyze_letter(text)
        assert time.perf_counter() - start < 1.0
        assert len(report.evidence) <= 40


def test_render_text_shows_label_decision_evidence_and_steps() -> None:
    report = analyze_letter(WHOLE_LETTER.format(date="March 3, 2025"), today=TODAY)
    out = render_text(report)
    assert out.startswith("LETTER CHECK: STRONG")
    assert '"without reservation"' in out or "without reservation" in out
    assert "Whole-letter checklist:" in out and "What to do:" in out


def test_the_engine_does_not_import_discord() -> None:
    for name in ("letters.py", "text.py"):
        tree = ast.parse((ROOT / "bot" / "advice" / name).read_text(encoding="utf-8"))
        imported = {
            alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
        }
        imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert not any(mod == "discord" or mod.startswith("discord.") for mod in imported)


def test_rule_file_is_well_formed() -> None:
    data = json.loads(lt.RULES_PATH.read_text(encoding="utf-8"))
    ids = [r["id"] for r in data["rules"]]
    assert len(ids) == len(set(ids))
    for raw in data["rules"]:
        assert raw["category"] and raw["why"] and isinstance(raw["weight"], (int, float))
        assert raw.get("patterns") or raw.get("words")
