"""Deterministic, realistic synthetic prospects for ``seed_prospects``: the same seed gives the same rows.

Companies come first (a name, a domain that matches it, an industry, a size, a home city); people are
spread over them, more at bigger companies, with a job title that matches their seniority and
department, an email in their company's pattern (a few percent have none), and sometimes a phone number
and a LinkedIn profile.
"""

import random
import unicodedata
from bisect import bisect
from dataclasses import dataclass
from itertools import accumulate

from leadfinder.models import CompanySize, Country, Department, EmailStatus, Industry, Seniority

_FIRST_NAMES_TEXT = (
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard Susan "
    "Joseph Jessica Thomas Sarah Christopher Karen Daniel Lisa Matthew Nancy Anthony Betty Mark Sandra "
    "Donald Ashley Steven Emily Andrew Kimberly Paul Donna Joshua Michelle Kenneth Carol Kevin Amanda "
    "Brian Melissa Timothy Deborah Ronald Stephanie Jason Rebecca George Laura Edward Sharon Jeffrey "
    "Cynthia Ryan Kathleen Jacob Amy Nicholas Angela Gary Shirley Eric Anna Jonathan Brenda Stephen "
    "Pamela Larry Emma Justin Nicole Scott Helen Brandon Samantha Benjamin Katherine Samuel Christine "
    "Gregory Rachel Alexander Catherine Patrick Olivia Frank Heather Raymond Julie Jack Victoria Dennis "
    "Lauren Jerry Kelly Tyler Christina Aaron Joan Jose Evelyn Adam Judith Nathan Megan Henry Andrea "
    "Zachary Cheryl Peter Hannah Kyle Jacqueline Noah Martha Ethan Madison Jeremy Teresa Christian Grace "
    "Priya Arjun Ananya Rohan Wei Mei Hiroshi Yuki Sofia Lucas Mateo Valentina Lukas Lena Jonas Mia "
    "Emil Freya Lars Ingrid Søren Astrid Matteo Giulia Luca Chiara Hugo Chloé Léa Louis Élodie Pablo "
    "Lucía Álvaro Carmen João Inês Tomasz Zofia Aleksander Maja Noa Yosef Omar Layla Ahmed Fatima "
    "Thabo Naledi Aroha Tane Siobhán Ciarán Aoife Niamh Zoë Björn Jürgen Anaïs"
)
FIRST_NAMES = _FIRST_NAMES_TEXT.split()
_LAST_NAMES_TEXT = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez "
    "Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark "
    "Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams "
    "Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker "
    "Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper "
    "Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood James "
    "Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross Foster "
    "Jimenez Sharma Gupta Singh Kumar Chen Wang Zhang Liu Tanaka Suzuki Sato Müller Schmidt Schneider "
    "Fischer Weber Wagner Becker Hoffmann Rossi Russo Bianchi Romano Dubois Moreau Laurent Lefèvre "
    "Fernández González Silva Santos Oliveira Costa Kowalski Nowak Wiśniewski Jansen Dekker Bakker "
    "Visser Andersson Johansson Karlsson Nielsen Hansen Jensen Larsen Virtanen Korhonen O'Brien "
    "O'Connor Murphy Byrne Cohen Levi Mizrahi Haddad Khan Naidoo Dlamini Ngata Walsh McCarthy"
)
LAST_NAMES = _LAST_NAMES_TEXT.split()

# Country: weight, calling code, local top-level domain, cities.
COUNTRIES = {
    Country.US: (
        34,
        "1",
        "com",
        [
            "New York",
            "San Francisco",
            "Austin",
            "Chicago",
            "Boston",
            "Seattle",
            "Los Angeles",
            "Denver",
            "Atlanta",
            "Miami",
        ],
    ),
    Country.CA: (5, "1", "ca", ["Toronto", "Vancouver", "Montreal", "Calgary", "Ottawa"]),
    Country.MX: (2, "52", "mx", ["Mexico City", "Guadalajara", "Monterrey"]),
    Country.BR: (3, "55", "com.br", ["São Paulo", "Rio de Janeiro", "Belo Horizonte"]),
    Country.GB: (9, "44", "co.uk", ["London", "Manchester", "Edinburgh", "Bristol", "Leeds", "Cambridge"]),
    Country.IE: (2, "353", "ie", ["Dublin", "Cork", "Galway"]),
    Country.DE: (7, "49", "de", ["Berlin", "Munich", "Hamburg", "Frankfurt am Main", "Cologne"]),
    Country.FR: (5, "33", "fr", ["Paris", "Lyon", "Toulouse", "Nantes", "Bordeaux"]),
    Country.ES: (3, "34", "es", ["Madrid", "Barcelona", "Valencia", "Seville"]),
    Country.IT: (3, "39", "it", ["Milan", "Rome", "Turin", "Bologna"]),
    Country.NL: (3, "31", "nl", ["Amsterdam", "Rotterdam", "Utrecht", "Eindhoven"]),
    Country.BE: (1, "32", "be", ["Brussels", "Antwerp", "Ghent"]),
    Country.CH: (1, "41", "ch", ["Zurich", "Geneva", "Basel"]),
    Country.AT: (1, "43", "at", ["Vienna", "Graz"]),
    Country.SE: (2, "46", "se", ["Stockholm", "Gothenburg", "Malmö"]),
    Country.NO: (1, "47", "no", ["Oslo", "Bergen"]),
    Country.DK: (1, "45", "dk", ["Copenhagen", "Aarhus"]),
    Country.FI: (1, "358", "fi", ["Helsinki", "Espoo", "Tampere"]),
    Country.PL: (2, "48", "pl", ["Warsaw", "Kraków", "Wrocław"]),
    Country.PT: (1, "351", "pt", ["Lisbon", "Porto"]),
    Country.IL: (1, "972", "co.il", ["Tel Aviv", "Jerusalem", "Haifa"]),
    Country.AE: (1, "971", "ae", ["Dubai", "Abu Dhabi"]),
    Country.IN: (5, "91", "in", ["Bengaluru", "Mumbai", "New Delhi", "Hyderabad", "Pune", "Chennai"]),
    Country.SG: (1, "65", "sg", ["Singapore"]),
    Country.JP: (2, "81", "jp", ["Tokyo", "Osaka", "Fukuoka"]),
    Country.AU: (4, "61", "com.au", ["Sydney", "Melbourne", "Brisbane", "Perth"]),
    Country.NZ: (1, "64", "co.nz", ["Auckland", "Wellington"]),
    Country.ZA: (1, "27", "co.za", ["Johannesburg", "Cape Town", "Durban"]),
}

# Industry: weight, words that end its companies' names.
INDUSTRIES = {
    Industry.SOFTWARE: (14, ["Labs", "Software", "Systems", "Cloud", "AI", "Data", "Technologies", "HQ"]),
    Industry.IT_SERVICES: (7, ["IT", "Solutions", "Tech Services", "Digital", "Networks"]),
    Industry.FINANCIAL_SERVICES: (5, ["Capital", "Financial", "Partners", "Wealth", "Advisors"]),
    Industry.BANKING: (2, ["Bank", "Bancorp", "Savings", "Trust"]),
    Industry.INSURANCE: (2, ["Insurance", "Assurance", "Mutual", "Underwriters"]),
    Industry.HEALTHCARE: (7, ["Health", "Medical", "Care", "Clinics", "Hospital Group"]),
    Industry.PHARMACEUTICALS: (2, ["Pharma", "Therapeutics", "Biosciences", "Bio"]),
    Industry.EDUCATION: (4, ["Academy", "Learning", "Education", "Institute", "School"]),
    Industry.RETAIL: (5, ["Stores", "Retail", "Market", "Outfitters", "Goods"]),
    Industry.ECOMMERCE: (4, ["Shop", "Commerce", "Direct", "Online", "Co."]),
    Industry.MANUFACTURING: (6, ["Manufacturing", "Industries", "Works", "Fabrication", "Components"]),
    Industry.MARKETING_ADVERTISING: (5, ["Media", "Agency", "Creative", "Marketing", "Studio"]),
    Industry.REAL_ESTATE: (3, ["Properties", "Realty", "Estates", "Homes"]),
    Industry.CONSTRUCTION: (3, ["Construction", "Builders", "Engineering", "Contractors"]),
    Industry.LOGISTICS: (3, ["Logistics", "Freight", "Transport", "Shipping"]),
    Industry.TELECOMMUNICATIONS: (2, ["Telecom", "Communications", "Mobile", "Connect"]),
    Industry.MEDIA: (3, ["Entertainment", "Pictures", "Publishing", "Broadcasting"]),
    Industry.HOSPITALITY: (3, ["Hotels", "Hospitality", "Resorts", "Restaurants"]),
    Industry.ENERGY: (2, ["Energy", "Power", "Renewables", "Utilities"]),
    Industry.LEGAL_SERVICES: (2, ["Law", "Legal", "LLP", "& Associates"]),
    Industry.MANAGEMENT_CONSULTING: (4, ["Consulting", "Advisory", "Group", "Strategy"]),
    Industry.NONPROFIT: (2, ["Foundation", "Alliance", "Trust", "Initiative"]),
}
_NAME_STARTS_TEXT = (
    "North South East West Blue Bright Silver Golden Green Red Iron Stone Clear Swift True Prime Apex "
    "Summit Harbor Cedar Maple Oak Pine River Lake Ocean Sky Star Sun Moon Nova Astra Vertex Atlas Orion "
    "Pioneer Frontier Liberty Beacon Crest Peak Ridge Granite Copper Cobalt Amber Ivory Onyx Quartz "
    "Falcon Eagle Hawk Fox Wolf Bear Lion Tiger Polar Alpine Coastal Urban Metro Grand"
)
NAME_STARTS = _NAME_STARTS_TEXT.split()
_NAME_ENDS_TEXT = (
    "field stone bridge wave point line gate path way works light view wood brook ford haven mark "
    "spring vale crest well side shore port land ridge hill dale star core base"
)
NAME_ENDS = _NAME_ENDS_TEXT.split()

# Size: share of companies, how many people of the database work at one (relative).
SIZES = {
    CompanySize.S_1_10: (30, 1),
    CompanySize.S_11_50: (27, 2),
    CompanySize.S_51_200: (20, 4),
    CompanySize.S_201_500: (10, 7),
    CompanySize.S_501_1000: (6, 10),
    CompanySize.S_1001_5000: (4, 16),
    CompanySize.S_5001_10000: (1.7, 25),
    CompanySize.S_10001_PLUS: (1.3, 40),
}
SENIORITIES = {
    Seniority.OWNER: 3,
    Seniority.C_SUITE: 4,
    Seniority.VP: 5,
    Seniority.DIRECTOR: 9,
    Seniority.MANAGER: 18,
    Seniority.SENIOR: 24,
    Seniority.ENTRY: 32,
    Seniority.INTERN: 5,
}
# Department: weight, the area as titles name it, and titles of managers, seniors and entry level.
DEPARTMENTS = {
    Department.ENGINEERING: (
        18,
        "Engineering",
        ["Engineering Manager", "Software Development Manager", "QA Manager", "Platform Engineering Manager"],
        [
            "Senior Software Engineer",
            "Staff Engineer",
            "Principal Engineer",
            "Senior Data Engineer",
            "Senior DevOps Engineer",
            "Senior Backend Engineer",
        ],
        [
            "Software Engineer",
            "Frontend Developer",
            "Backend Developer",
            "QA Engineer",
            "Data Engineer",
            "Site Reliability Engineer",
        ],
    ),
    Department.PRODUCT: (
        6,
        "Product",
        ["Product Manager", "Group Product Manager", "Technical Product Manager"],
        ["Senior Product Manager", "Senior Product Analyst", "Product Owner"],
        ["Associate Product Manager", "Product Analyst"],
    ),
    Department.DESIGN: (
        4,
        "Design",
        ["Design Manager", "UX Manager"],
        ["Senior Product Designer", "Senior UX Designer", "Lead Designer"],
        ["Product Designer", "UX Designer", "Graphic Designer", "UX Researcher"],
    ),
    Department.SALES: (
        16,
        "Sales",
        ["Sales Manager", "Regional Sales Manager", "Key Account Manager", "Sales Operations Manager"],
        ["Senior Account Executive", "Enterprise Account Executive", "Senior Sales Engineer"],
        [
            "Account Executive",
            "Sales Development Representative",
            "Business Development Representative",
            "Inside Sales Representative",
        ],
    ),
    Department.MARKETING: (
        10,
        "Marketing",
        ["Marketing Manager", "Product Marketing Manager", "Content Marketing Manager", "Growth Manager"],
        ["Senior Marketing Specialist", "Senior Content Strategist", "Senior SEO Specialist"],
        ["Marketing Coordinator", "Marketing Specialist", "Social Media Specialist", "Content Writer"],
    ),
    Department.CUSTOMER_SUCCESS: (
        7,
        "Customer Success",
        ["Customer Success Manager", "Support Manager", "Customer Experience Manager"],
        ["Senior Customer Success Manager", "Senior Support Engineer", "Senior Account Manager"],
        ["Customer Support Specialist", "Customer Success Associate", "Support Engineer"],
    ),
    Department.FINANCE: (
        7,
        "Finance",
        ["Finance Manager", "Controller", "Accounting Manager", "FP&A Manager"],
        ["Senior Accountant", "Senior Financial Analyst", "Senior Auditor"],
        ["Accountant", "Financial Analyst", "Accounts Payable Specialist", "Bookkeeper"],
    ),
    Department.HUMAN_RESOURCES: (
        6,
        "People",
        ["HR Manager", "Talent Acquisition Manager", "People Operations Manager"],
        ["Senior Recruiter", "Senior HR Business Partner", "Senior Talent Partner"],
        ["Recruiter", "HR Coordinator", "HR Generalist", "Talent Sourcer"],
    ),
    Department.OPERATIONS: (
        10,
        "Operations",
        ["Operations Manager", "Supply Chain Manager", "Office Manager", "Project Manager"],
        ["Senior Operations Analyst", "Senior Project Manager", "Senior Buyer"],
        ["Operations Coordinator", "Operations Analyst", "Logistics Coordinator", "Buyer"],
    ),
    Department.INFORMATION_TECHNOLOGY: (
        7,
        "IT",
        ["IT Manager", "Infrastructure Manager", "Information Security Manager"],
        ["Senior Systems Administrator", "Senior Network Engineer", "Senior Security Analyst"],
        ["Systems Administrator", "IT Support Specialist", "Network Engineer", "Help Desk Technician"],
    ),
    Department.LEGAL: (
        3,
        "Legal",
        ["Legal Manager", "Compliance Manager", "Contracts Manager"],
        ["Senior Counsel", "Senior Paralegal", "Senior Compliance Analyst"],
        ["Legal Counsel", "Paralegal", "Compliance Analyst"],
    ),
}
C_SUITE_TITLES = {
    Department.EXECUTIVE: ["Chief Executive Officer", "CEO", "President"],
    Department.ENGINEERING: ["Chief Technology Officer", "CTO"],
    Department.PRODUCT: ["Chief Product Officer"],
    Department.DESIGN: ["Chief Design Officer"],
    Department.SALES: ["Chief Revenue Officer", "Chief Sales Officer"],
    Department.MARKETING: ["Chief Marketing Officer", "CMO"],
    Department.CUSTOMER_SUCCESS: ["Chief Customer Officer"],
    Department.FINANCE: ["Chief Financial Officer", "CFO"],
    Department.HUMAN_RESOURCES: ["Chief People Officer", "Chief Human Resources Officer"],
    Department.OPERATIONS: ["Chief Operating Officer", "COO"],
    Department.INFORMATION_TECHNOLOGY: ["Chief Information Officer", "Chief Information Security Officer"],
    Department.LEGAL: ["General Counsel", "Chief Legal Officer"],
}
OWNER_TITLES = ["Founder", "Co-Founder", "Owner", "Founder & CEO", "Managing Partner", "Managing Director"]
EMAIL_PATTERNS = ["{first}.{last}", "{first}", "{f}{last}", "{first}{l}", "{first}_{last}", "{last}.{first}"]

NO_EMAIL_SHARE = 0.035
VERIFIED_SHARE = 0.72
PHONE_SHARE = 0.55
LINKEDIN_SHARE = 0.85
AT_HOME_CITY_SHARE = 0.8
PEOPLE_PER_COMPANY = 20


@dataclass(frozen=True)
class Company:
    name: str
    domain: str
    industry: str
    size: str
    country: str
    city: str
    email_pattern: str


def _ascii(text):
    """``Søren O'Brien`` → ``sorenobrien``: what an email address or a URL slug makes of a name."""
    decomposed = unicodedata.normalize("NFKD", text.replace("ø", "o").replace("ł", "l").replace("ß", "ss"))
    return "".join(ch for ch in decomposed.lower() if ch.isascii() and ch.isalnum())


def _picker(weights):
    """A function rng -> one of ``weights``' keys, drawn by their weights."""
    keys = list(weights)
    cumulative = list(accumulate(weights.values()))
    return lambda rng: keys[bisect(cumulative, rng.random() * cumulative[-1])]


def _first(table):
    return {key: value[0] for key, value in table.items()}


class ProspectGenerator:
    """``rows(count)`` yields prospect field dicts; deterministic for a seed."""

    def __init__(self, seed):
        self.rng = random.Random(seed)  # noqa: S311 - made-up people, not secrets
        self._pick_country = _picker(_first(COUNTRIES))
        self._pick_industry = _picker(_first(INDUSTRIES))
        self._pick_size = _picker(_first(SIZES))
        self._pick_seniority = _picker(SENIORITIES)
        self._pick_department = _picker(_first(DEPARTMENTS))
        self._emails = set()

    def _companies(self, count):
        rng, domains, companies = self.rng, set(), []
        while len(companies) < count:
            industry = self._pick_industry(rng)
            stem = rng.choice(NAME_STARTS) + rng.choice(NAME_ENDS)
            name = f"{stem} {rng.choice(INDUSTRIES[industry][1])}"
            country = self._pick_country(rng)
            _, _, tld, cities = COUNTRIES[country]
            domain = f"{_ascii(name)}.{tld if rng.random() < 0.5 else 'com'}"
            if domain in domains:
                continue
            domains.add(domain)
            companies.append(
                Company(
                    name=name,
                    domain=domain,
                    industry=industry,
                    size=self._pick_size(rng),
                    country=country,
                    city=rng.choice(cities),
                    email_pattern=rng.choice(EMAIL_PATTERNS),
                )
            )
        return companies

    def _title(self, seniority, department):
        rng = self.rng
        if seniority == Seniority.OWNER:
            return rng.choice(OWNER_TITLES)
        if seniority == Seniority.C_SUITE:
            return rng.choice(C_SUITE_TITLES[department])
        _, area, managers, seniors, entries = DEPARTMENTS[department]
        if seniority == Seniority.VP:
            return rng.choice([f"VP of {area}", f"Vice President, {area}", f"SVP {area}"])
        if seniority == Seniority.DIRECTOR:
            return rng.choice([f"Director of {area}", f"Head of {area}", f"{area} Director"])
        if seniority == Seniority.MANAGER:
            return rng.choice(managers)
        if seniority == Seniority.SENIOR:
            return rng.choice(seniors)
        if seniority == Seniority.ENTRY:
            return rng.choice(entries)
        return f"{area} Intern"

    def _email(self, first, last, company):
        first, last = _ascii(first), _ascii(last)
        local = company.email_pattern.format(first=first, last=last, f=first[:1], l=last[:1])
        email, number = f"{local}@{company.domain}", 1
        while email in self._emails:
            number += 1
            email = f"{local}{number}@{company.domain}"
        self._emails.add(email)
        return email

    def _phone(self, country):
        rng, code = self.rng, COUNTRIES[country][1]
        return f"+{code} {rng.randint(20, 999)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"

    def rows(self, count):
        rng = self.rng
        companies = self._companies(max(1, count // PEOPLE_PER_COMPANY))
        staff = list(accumulate(SIZES[company.size][1] for company in companies))
        for _ in range(count):
            company = companies[bisect(staff, rng.random() * staff[-1])]
            seniority = self._pick_seniority(rng)
            if seniority == Seniority.OWNER:
                department = Department.EXECUTIVE
            elif seniority == Seniority.C_SUITE:
                department = rng.choice(list(C_SUITE_TITLES))
            else:
                department = self._pick_department(rng)
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            if rng.random() < AT_HOME_CITY_SHARE:
                country, city = company.country, company.city
            else:
                country = company.country if rng.random() < 0.75 else self._pick_country(rng)
                city = rng.choice(COUNTRIES[country][3])
            has_email = rng.random() >= NO_EMAIL_SHARE
            slug = f"{_ascii(first)}-{_ascii(last)}-{rng.getrandbits(32):08x}"
            yield {
                "first_name": first,
                "last_name": last,
                "job_title": self._title(seniority, department),
                "seniority": seniority,
                "department": department,
                "company_name": company.name,
                "company_domain": company.domain,
                "industry": company.industry,
                "company_size": company.size,
                "country": country,
                "city": city,
                "email": self._email(first, last, company) if has_email else "",
                "email_status": (
                    (EmailStatus.VERIFIED if rng.random() < VERIFIED_SHARE else EmailStatus.UNVERIFIED)
                    if has_email
                    else ""
                ),
                "phone": self._phone(country) if rng.random() < PHONE_SHARE else "",
                "linkedin_url": f"https://www.linkedin.com/in/{slug}"
                if rng.random() < LINKEDIN_SHARE
                else "",
            }
