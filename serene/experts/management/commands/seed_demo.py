"""Loads Serene's demo data. Idempotent: running it twice creates nothing twice."""
from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from serene.accounts.models import Role, User
from serene.accounts.services import user_demo_ensure
from serene.experts.models import Category, Expert, Language
from serene.experts.services import expert_credentials_update, expert_mark_verified

DEMO_PASSWORD = "serene-demo-2026"
DEMO_CUSTOMER = "customer@serene.test"
DEMO_EXPERT = "expert@serene.test"
DEMO_STAFF = "admin@serene.test"

CATEGORIES = [
    ("therapy", "Therapy & counselling", "Psychologists and counsellors for anxiety, low mood, grief and relationships."),
    ("life-coaching", "Life coaching", "Set goals, build habits and find direction."),
    ("nutrition", "Nutrition", "Dietitians and nutritionists for everyday eating and health conditions."),
    ("mindfulness", "Mindfulness & meditation", "Learn to slow down, breathe and sleep better."),
    ("career", "Career coaching", "Job changes, leadership and work stress."),
]

LANGUAGES = [("en", "English"), ("hi", "Hindi"), ("ta", "Tamil"), ("bn", "Bengali"), ("mr", "Marathi"),
             ("kn", "Kannada"), ("ml", "Malayalam"), ("te", "Telugu"), ("gu", "Gujarati"), ("pa", "Punjabi"),
             ("ar", "Arabic"), ("fr", "French")]

# (email, name, slug, category, headline, languages, hourly rate in rupees, time zone, two unused
#  columns (the made-up rating and review count of an earlier version: ratings now come from real
#  reviews, see seed_demo_sessions), years, durations, requires approval, bio)
EXPERTS = [
    (DEMO_EXPERT, "Dr. Sarah Khan", "sarah-khan", "therapy", "Clinical Psychologist · anxiety and burnout",
     ["en", "hi"], 1500, "Asia/Kolkata", "4.9", 212, 11, [30, 60, 90], False,
     "I help adults who feel stretched thin: anxiety that will not switch off, burnout, and the quiet "
     "worry that you should be coping better.\n\nMy sessions draw on cognitive behavioural therapy and "
     "acceptance and commitment therapy. We set small, concrete steps together and review them each week."),
    ("ananya.iyer@serene.test", "Ananya Iyer", "ananya-iyer", "therapy", "Counselling Psychologist · relationships",
     ["en", "ta"], 1200, "Asia/Kolkata", "4.8", 154, 8, [30, 60, 90], False,
     "Relationships shape how we feel about ourselves. I work with individuals on attachment, conflict, "
     "breakups and family expectations.\n\nI trained at TISS Mumbai and practise in Chennai."),
    ("rohan.mehta@serene.test", "Rohan Mehta", "rohan-mehta", "career", "Career coach for first-time managers",
     ["en", "hi", "gu"], 2500, "Asia/Kolkata", "4.7", 98, 14, [30, 60], False,
     "Fourteen years in product teams taught me that new managers are rarely trained for the job. "
     "We work on feedback, delegation and saying no without guilt."),
    ("meera.nair@serene.test", "Meera Nair", "meera-nair", "nutrition", "Registered Dietitian · PCOS and diabetes",
     ["en", "ml", "hi"], 1000, "Asia/Kolkata", "4.9", 301, 10, [30, 60], False,
     "Food plans that fit Indian kitchens and busy weeks. I specialise in PCOS, type 2 diabetes and "
     "thyroid conditions, working alongside your doctor."),
    ("arjun.rao@serene.test", "Arjun Rao", "arjun-rao", "mindfulness", "Mindfulness teacher · sleep and stress",
     ["en", "kn", "te"], 800, "Asia/Kolkata", "4.6", 76, 6, [30, 60], False,
     "Short, practical practices you can use between meetings. I teach mindfulness-based stress "
     "reduction and help people rebuild healthy sleep."),
    ("emily.clarke@serene.test", "Emily Clarke", "emily-clarke", "therapy", "Psychotherapist · trauma-informed care",
     ["en", "fr"], 3000, "Europe/London", "4.9", 133, 16, [60, 90], True,
     "I am a UKCP-registered psychotherapist working from London with clients across time zones. "
     "My work is trauma-informed and paced by you.\n\nI review each request before confirming, so "
     "we can be sure I am the right fit."),
    ("fatima.alsayed@serene.test", "Fatima Al-Sayed", "fatima-alsayed", "life-coaching", "Life coach for expats and returners",
     ["en", "ar", "hi"], 2200, "Asia/Dubai", "4.8", 87, 9, [30, 60, 90], False,
     "Moving countries, coming home, starting again: I coach people through big transitions, "
     "from Dubai, in English, Arabic or Hindi."),
    ("vikram.singh@serene.test", "Vikram Singh", "vikram-singh", "life-coaching", "Habits and motivation coach",
     ["en", "hi", "pa"], 900, "Asia/Kolkata", "4.5", 64, 5, [30, 60], False,
     "If you keep starting over, we will find out why. Practical coaching on routines, focus and "
     "keeping promises to yourself."),
    ("priya.banerjee@serene.test", "Dr. Priya Banerjee", "priya-banerjee", "therapy", "Psychiatrist · mood disorders",
     ["en", "bn", "hi"], 2800, "Asia/Kolkata", "4.9", 188, 15, [30, 60], False,
     "Consultant psychiatrist for depression, bipolar disorder and ADHD in adults. Medication reviews "
     "and talking therapy, in Bengali, Hindi or English."),
    ("kavya.reddy@serene.test", "Kavya Reddy", "kavya-reddy", "nutrition", "Sports nutritionist",
     ["en", "te"], 1100, "Asia/Kolkata", "4.7", 59, 7, [30, 60], False,
     "From first 10K to marathon PBs: eating for training, recovery and weight goals without "
     "fad diets."),
    ("nikhil.joshi@serene.test", "Nikhil Joshi", "nikhil-joshi", "career", "Interview and career-change coach",
     ["en", "mr", "hi"], 1800, "Asia/Kolkata", "4.6", 112, 12, [30, 60, 90], False,
     "Changing careers at 30, 40 or 50 is more common than you think. Mock interviews, CV reviews and "
     "a plan you can keep."),
    ("daniel.brooks@serene.test", "Daniel Brooks", "daniel-brooks", "mindfulness", "Meditation guide · breathwork",
     ["en"], 1300, "America/New_York", "4.7", 45, 8, [30, 60], False,
     "Breathwork and meditation for busy minds, from New York. Evening slots suit clients in India "
     "before work."),
    ("sneha.kulkarni@serene.test", "Sneha Kulkarni", "sneha-kulkarni", "therapy", "Child and adolescent counsellor",
     ["en", "mr", "hi"], 1400, "Asia/Kolkata", "4.8", 91, 9, [30, 60], True,
     "I work with teenagers and their parents on exam stress, school refusal and screen time. "
     "Parents book; I confirm after a short check that I am the right fit."),
    ("farhan.qureshi@serene.test", "Farhan Qureshi", "farhan-qureshi", "life-coaching", "Confidence and public-speaking coach",
     ["en", "hi"], 1600, "Asia/Kolkata", "0", 0, 4, [30, 60], False,
     "Stage fright, meetings, wedding toasts: we practise until your voice feels like your own. "
     "New on Serene."),
]


# Demo credentials (fictional numbers): qualifications (one a line), registration body, number, and
# whether demo staff have checked them. Coaches and teachers have no statutory register in India, so
# some show a membership instead, and the newest expert is not verified yet.
CREDENTIALS = {
    "sarah-khan": ("M.Phil. Clinical Psychology, NIMHANS Bengaluru (2014)\nM.A. Psychology, University of Delhi (2012)",
                   "Rehabilitation Council of India", "CRR A21873", True),
    "ananya-iyer": ("M.Sc. Counselling Psychology, TISS Mumbai (2017)", "Rehabilitation Council of India",
                    "CRR A30412", True),
    "rohan-mehta": ("Professional Certified Coach (PCC), International Coaching Federation\nMBA, IIM Ahmedabad (2010)",
                    "International Coaching Federation", "ICF 004417281", True),
    "meera-nair": ("M.Sc. Clinical Nutrition and Dietetics, Manipal (2015)\nRegistered Dietitian",
                   "Indian Dietetic Association", "IDA RD-5532", True),
    "arjun-rao": ("MBSR Teacher Qualification, Brown University Mindfulness Center (2020)", "", "", False),
    "emily-clarke": ("MSc Integrative Psychotherapy, Metanoia Institute London (2010)",
                     "UK Council for Psychotherapy", "UKCP 2010-98431", True),
    "fatima-alsayed": ("Associate Certified Coach (ACC), International Coaching Federation",
                       "International Coaching Federation", "ICF 005120934", True),
    "vikram-singh": ("Certified Habit Coach, Habit Coach Academy (2021)", "", "", False),
    "priya-banerjee": ("MD Psychiatry, AIIMS New Delhi (2011)\nMBBS, Calcutta Medical College (2007)",
                       "National Medical Commission", "NMC WB-61844", True),
    "kavya-reddy": ("M.Sc. Sports Nutrition, University of Hyderabad (2018)", "Indian Dietetic Association",
                    "IDA RD-6127", True),
    "nikhil-joshi": ("Professional Certified Coach (PCC), International Coaching Federation",
                     "International Coaching Federation", "ICF 003981554", True),
    "daniel-brooks": ("Certified Breathwork Facilitator, Global Professional Breathwork Alliance (2016)", "", "", False),
    "sneha-kulkarni": ("M.A. Counselling Psychology, Fergusson College Pune (2016)",
                       "Rehabilitation Council of India", "CRR A28806", True),
    "farhan-qureshi": ("Diploma in Speech and Drama, Trinity College London (2019)", "", "", False),
}


class Command(BaseCommand):
    help = "Load demo categories, languages, experts and demo logins. Safe to run repeatedly."

    @transaction.atomic
    def handle(self, *args, **options):
        categories = {}
        for position, (slug, name, description) in enumerate(CATEGORIES):
            categories[slug], _ = Category.objects.update_or_create(
                slug=slug, defaults={"name": name, "description": description, "position": position})
        languages = {}
        for code, name in LANGUAGES:
            languages[code], _ = Language.objects.update_or_create(code=code, defaults={"name": name})

        staff = self._user(email=DEMO_STAFF, name="Serene Staff", role=Role.STAFF, time_zone="Asia/Kolkata",
                           superuser=True)
        created = 0
        for (email, name, slug, category, headline, language_codes, rate, zone, _rating, _reviews, years,
             durations, approval, bio) in EXPERTS:
            user = self._user(email=email, name=name, role=Role.EXPERT, time_zone=zone)
            expert, was_created = Expert.objects.update_or_create(
                slug=slug,
                defaults={"user": user, "headline": headline, "bio": bio, "category": categories[category],
                          "hourly_rate_minor": rate * 100, "currency": "INR", "time_zone": zone,
                          "years_experience": years,
                          "offered_durations": durations, "requires_approval": approval, "is_active": True,
                          "generated_portrait": True})
            expert.languages.set([languages[code] for code in language_codes])
            qualifications, body, number, verified = CREDENTIALS[slug]
            expert_credentials_update(expert_id=expert.pk, qualifications=qualifications, registration_body=body,
                                      registration_number=number)
            if verified:
                expert_mark_verified(expert_id=expert.pk, by=staff)
            created += was_created

        self._user(email=DEMO_CUSTOMER, name="Asha Verma", role=Role.CUSTOMER, time_zone="Asia/Kolkata",
                   phone="+91 98765 43210")

        # Sessions, payments and reviews: ratings come from these real reviews, never from this file.
        call_command("seed_demo_sessions", stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS(
            f"Demo data ready: {Expert.objects.count()} experts ({created} new), {Category.objects.count()} categories."))

    def _user(self, *, email: str, name: str, role: str, time_zone: str, phone: str = "",
              superuser: bool = False) -> User:
        return user_demo_ensure(email=email, name=name, password=DEMO_PASSWORD, role=role, time_zone=time_zone,
                                phone=phone, superuser=superuser)
