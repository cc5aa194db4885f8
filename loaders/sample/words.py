"""Word lists for the sample generator: names, places, companies, products, free text.

Every list is a tuple (fixed order), so picking from it with a seeded generator is deterministic.
"""

from __future__ import annotations

from typing import Final, NamedTuple


class City(NamedTuple):
    name: str
    state: str | None
    postcode: str  # prefix; the generator appends digits (or a UK inward code)
    area: str  # US area code; empty elsewhere


COUNTRIES: Final = ("US", "GB", "DE", "FR", "AU")
COUNTRY_WEIGHTS: Final = (0.40, 0.20, 0.15, 0.10, 0.15)
CURRENCY: Final = {"US": "USD", "GB": "GBP", "DE": "EUR", "FR": "EUR", "AU": "AUD"}
FX: Final = {"USD": 1.0, "GBP": 0.79, "EUR": 0.92, "AUD": 1.52}  # per US dollar

GIVEN: Final = {
    "US": (
        "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
        "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas",
        "Sarah", "Christopher", "Karen", "Daniel", "Lisa", "Matthew", "Nancy", "Anthony", "Betty",
        "Mark", "Sandra", "Donald", "Ashley", "Steven", "Emily", "Andrew", "Kimberly", "Joshua",
        "Michelle", "Kevin", "Amanda", "Brian", "Melissa",
    ),
    "GB": (
        "Oliver", "Olivia", "George", "Amelia", "Harry", "Isla", "Jack", "Ava", "Charlie", "Emily",
        "Thomas", "Sophie", "Jacob", "Grace", "Alfie", "Mia", "Freddie", "Poppy", "Oscar", "Ella",
        "Henry", "Lily", "William", "Evie", "Leo", "Isabella", "Archie", "Charlotte", "Joshua",
        "Jessica", "James", "Daisy", "Edward", "Phoebe", "Noah", "Ruby", "Alexander", "Florence",
        "Samuel", "Matilda",
    ),
    "DE": (
        "Lukas", "Anna", "Leon", "Lea", "Finn", "Hannah", "Jonas", "Mia", "Paul", "Emma", "Luis",
        "Sophie", "Felix", "Marie", "Maximilian", "Lena", "Elias", "Emilia", "Ben", "Johanna",
        "Noah", "Clara", "Julian", "Luisa", "Moritz", "Lina", "Jakob", "Greta", "Tim", "Frieda",
        "Niklas", "Jürgen", "Sören", "Käthe", "Björn", "Ute", "Uwe", "Helga", "Dieter", "Gisela",
    ),
    "FR": (
        "Gabriel", "Louise", "Léo", "Jade", "Raphaël", "Emma", "Arthur", "Alice", "Louis", "Chloé",
        "Lucas", "Léa", "Adam", "Manon", "Jules", "Inès", "Hugo", "Camille", "Maël", "Zoé", "Noé",
        "Lina", "Paul", "Juliette", "Nathan", "Héloïse", "Théo", "Anaïs", "Sacha", "Margaux",
        "Mathis", "Élodie", "Antoine", "Céline", "François", "Hélène", "Jérôme", "Agnès", "Benoît",
        "Geneviève",
    ),
    "AU": (
        "Jack", "Charlotte", "Oliver", "Olivia", "William", "Amelia", "Noah", "Isla", "Thomas",
        "Mia", "James", "Ava", "Lucas", "Grace", "Henry", "Chloe", "Ethan", "Zoe", "Liam", "Ella",
        "Mason", "Sophie", "Cooper", "Harper", "Lachlan", "Ruby", "Riley", "Matilda", "Harrison",
        "Evie", "Hunter", "Sienna", "Jackson", "Willow", "Archer", "Scarlett", "Xavier", "Indi",
        "Hamish", "Georgia",
    ),
}  # fmt: skip

SURNAMES: Final = {
    "US": (
        "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
        "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
        "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez",
        "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
        "Scott", "Torres", "Nguyen", "Hill", "O'Brien",
    ),
    "GB": (
        "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
        "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood",
        "Jackson", "Clarke", "Patel", "Khan", "Lewis", "James", "Phillips", "Mason", "Mitchell",
        "Rose", "Davis", "Rodgers", "Turner", "Hughes", "Cooper", "Morris", "Ward", "Watson",
        "Bennett", "Gray", "Price", "O'Connor",
    ),
    "DE": (
        "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
        "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann",
        "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt",
        "Werner", "Schmitz", "Krause", "Meier", "Lehmann", "Schmid", "Schulze", "Maier", "Köhler",
        "Herrmann", "König", "Walter", "Mayer", "Huber",
    ),
    "FR": (
        "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
        "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
        "Vincent", "Fournier", "Morel", "Girard", "André", "Lefebvre", "Mercier", "Dupont",
        "Lambert", "Bonnet", "François", "Martinez", "Legrand", "Garnier", "Faure", "Rousseau",
        "Blanc", "Guérin", "Muller", "Henry", "Roussel", "Nicolas",
    ),
    "AU": (
        "Smith", "Jones", "Williams", "Brown", "Wilson", "Taylor", "Johnson", "White", "Martin",
        "Anderson", "Thompson", "Nguyen", "Thomas", "Walker", "Harris", "Lee", "Ryan", "Robinson",
        "Kelly", "King", "Davis", "Wright", "Evans", "Roberts", "Green", "Hall", "Wood", "Jackson",
        "Clarke", "Patel", "Tran", "Murphy", "Mitchell", "Campbell", "Kennedy", "McDonald",
        "O'Neill", "Stewart", "Cook", "Morgan",
    ),
}  # fmt: skip

NICKNAMES: Final = {
    "William": "Bill", "Robert": "Bob", "Elizabeth": "Liz", "Michael": "Mike", "James": "Jim",
    "Richard": "Rick", "Joseph": "Joe", "Thomas": "Tom", "Christopher": "Chris", "Daniel": "Dan",
    "Matthew": "Matt", "Anthony": "Tony", "Steven": "Steve", "Andrew": "Andy", "Jennifer": "Jen",
    "Patricia": "Pat", "Susan": "Sue", "Kimberly": "Kim", "Alexander": "Alex", "Samuel": "Sam",
    "Edward": "Ed", "Charlotte": "Lottie", "Isabella": "Bella", "Maximilian": "Max",
    "Johanna": "Hanna", "Nicholas": "Nick", "Jessica": "Jess",
}  # fmt: skip

CITIES: Final = {
    "US": (
        City("New York", "NY", "100", "212"), City("Brooklyn", "NY", "112", "718"),
        City("Los Angeles", "CA", "900", "213"), City("San Francisco", "CA", "941", "415"),
        City("Chicago", "IL", "606", "312"), City("Houston", "TX", "770", "713"),
        City("Austin", "TX", "787", "512"), City("Miami", "FL", "331", "305"),
        City("Seattle", "WA", "981", "206"), City("Boston", "MA", "021", "617"),
        City("Denver", "CO", "802", "303"), City("Atlanta", "GA", "303", "404"),
    ),
    "GB": (
        City("London", None, "SW1", ""), City("London", None, "E2", ""),
        City("London", None, "N7", ""), City("Manchester", None, "M14", ""),
        City("Birmingham", None, "B15", ""), City("Leeds", None, "LS6", ""),
        City("Glasgow", None, "G12", ""), City("Bristol", None, "BS8", ""),
        City("Edinburgh", None, "EH3", ""), City("Liverpool", None, "L17", ""),
    ),
    "DE": (
        City("Berlin", "BE", "10", ""), City("Hamburg", "HH", "20", ""),
        City("München", "BY", "80", ""), City("Köln", "NW", "50", ""),
        City("Frankfurt am Main", "HE", "60", ""), City("Stuttgart", "BW", "70", ""),
        City("Düsseldorf", "NW", "40", ""), City("Leipzig", "SN", "04", ""),
    ),
    "FR": (
        City("Paris", None, "75", ""), City("Lyon", None, "69", ""),
        City("Marseille", None, "13", ""), City("Toulouse", None, "31", ""),
        City("Nice", None, "06", ""), City("Nantes", None, "44", ""),
        City("Bordeaux", None, "33", ""), City("Lille", None, "59", ""),
    ),
    "AU": (
        City("Sydney", "NSW", "20", ""), City("Melbourne", "VIC", "30", ""),
        City("Brisbane", "QLD", "40", ""), City("Perth", "WA", "60", ""),
        City("Adelaide", "SA", "50", ""), City("Canberra", "ACT", "26", ""),
        City("Hobart", "TAS", "70", ""),
    ),
}  # fmt: skip

STREETS: Final = {
    "US": ("Main Street", "Oak Avenue", "Maple Drive", "Cedar Lane", "Park Avenue", "Elm Street",
           "Washington Street", "Lake Road", "Hillcrest Drive", "Pine Street", "Sunset Boulevard",
           "Highland Avenue"),
    "GB": ("High Street", "Station Road", "Church Lane", "Victoria Road", "Green Lane",
           "Manor Road", "Park Road", "Queens Road", "Mill Lane", "Kings Road", "Albert Street"),
    "DE": ("Hauptstraße", "Schulstraße", "Gartenstraße", "Bahnhofstraße", "Dorfstraße",
           "Bergstraße", "Lindenstraße", "Kirchstraße", "Waldstraße", "Goethestraße",
           "Schillerstraße"),
    "FR": ("rue de la République", "rue Victor Hugo", "avenue Jean Jaurès", "rue de la Paix",
           "boulevard Voltaire", "rue Pasteur", "place de la Gare", "rue du Moulin", "avenue Foch",
           "rue des Écoles"),
    "AU": ("George Street", "Bourke Street", "Queen Street", "Elizabeth Street", "Pitt Street",
           "Collins Street", "Hay Street", "King William Street", "Oxford Street",
           "Chapel Street"),
}  # fmt: skip

EMAIL_DOMAINS: Final = {
    "US": ("gmail.com", "yahoo.com", "outlook.com", "icloud.com", "aol.com", "hotmail.com"),
    "GB": ("gmail.com", "btinternet.com", "yahoo.co.uk", "outlook.com", "hotmail.co.uk"),
    "DE": ("gmail.com", "web.de", "gmx.de", "t-online.de", "outlook.de"),
    "FR": ("gmail.com", "orange.fr", "free.fr", "laposte.net", "sfr.fr"),
    "AU": ("gmail.com", "bigpond.com", "optusnet.com.au", "outlook.com", "icloud.com"),
}

COMPANY_PREFIXES: Final = (
    "Northwind", "Blue Harbor", "Summit", "Ironbridge", "Silverline", "Redwood", "Granite",
    "Brightwater", "Cobalt", "Evergreen", "Falcon", "Horizon", "Keystone", "Lighthouse", "Meridian",
    "Oakridge", "Pioneer", "Quantum", "Riverside", "Sterling", "Trident", "Vanguard", "Westfield",
    "Zenith", "Atlas", "Beacon", "Crescent", "Delta", "Everest", "Fjord",
)  # fmt: skip
COMPANY_CORES: Final = (
    "Logistics", "Systems", "Foods", "Health", "Energy", "Capital", "Retail", "Motors",
    "Pharma", "Media", "Analytics", "Textiles", "Construction", "Insurance", "Software",
    "Engineering", "Telecom", "Hospitality", "Biotech", "Consulting",
)  # fmt: skip
LEGAL_FORMS: Final = {
    "US": ("Inc.", "LLC", "Corp."),
    "GB": ("Ltd", "plc", "LLP"),
    "DE": ("GmbH", "AG", "GmbH & Co. KG"),
    "FR": ("SA", "SAS", "SARL"),
    "AU": ("Pty Ltd", "Ltd", "Pty Ltd"),
}
COMPANY_TLD: Final = {"US": "com", "GB": "co.uk", "DE": "de", "FR": "fr", "AU": "com.au"}
INDUSTRY: Final = {
    "Logistics": "transportation", "Systems": "technology", "Foods": "food & beverage",
    "Health": "healthcare", "Energy": "energy", "Capital": "financial services",
    "Retail": "retail", "Motors": "automotive", "Pharma": "pharmaceuticals", "Media": "media",
    "Analytics": "technology", "Textiles": "manufacturing", "Construction": "construction",
    "Insurance": "insurance", "Software": "technology", "Engineering": "manufacturing",
    "Telecom": "telecommunications", "Hospitality": "hospitality", "Biotech": "life sciences",
    "Consulting": "professional services",
}  # fmt: skip

DEPARTMENTS: Final = (
    "Executive", "Finance", "IT", "Operations", "Procurement", "Sales", "Marketing", "Legal",
    "Human Resources", "Engineering",
)  # fmt: skip
TITLES: Final = (  # by level in the firm's hierarchy
    ("Chief Executive Officer", "Chief Financial Officer", "Chief Operating Officer",
     "Managing Director"),
    ("VP Operations", "VP Finance", "Head of IT", "Director of Procurement", "VP Engineering"),
    ("IT Manager", "Finance Manager", "Operations Manager", "Procurement Manager", "Team Lead"),
    ("Analyst", "Specialist", "Engineer", "Buyer", "Coordinator", "Administrator"),
)  # fmt: skip

PRODUCTS: Final = (  # (category, names, median price in USD)
    ("Software", ("Analytics Suite", "Backup Cloud", "Security Shield", "Office Pack",
                  "Design Studio"), 240.0),
    ("Hardware", ("Laptop 14", "Laptop 16", "Desktop Tower", "Monitor 27", "Tablet 11",
                  "Smartphone X", "Router AX"), 780.0),
    ("Accessories", ("USB-C Hub", "Wireless Mouse", "Keyboard", "Headset", "Webcam HD",
                     "Laptop Sleeve", "Charger 65W", "Docking Station"), 45.0),
    ("Services", ("Setup Service", "Extended Warranty 2y", "Extended Warranty 3y",
                  "Data Migration", "On-site Support"), 160.0),
    ("Training", ("Onboarding Workshop", "Admin Certification", "Security Awareness Course"),
     320.0),
    ("Subscriptions", ("Support Plan Monthly", "Support Plan Annual", "Cloud Storage 1TB",
                       "Cloud Storage 5TB", "Family Plan"), 90.0),
)  # fmt: skip
TIERS: Final = ("Basic", "Plus", "Pro")

TICKET_TYPES: Final = (
    "billing", "delivery", "return", "technical", "account", "warranty", "complaint", "question",
)  # fmt: skip
TICKET_OUTCOMES: Final = (
    "resolved",
    "resolved",
    "resolved",
    "escalated",
    "refunded",
    "no_response",
)
ACTIVITY_TYPES: Final = (
    "discovery",
    "demo",
    "follow_up",
    "renewal",
    "qbr",
    "negotiation",
    "check_in",
)
ACTIVITY_OUTCOMES: Final = ("completed", "completed", "no_show", "rescheduled", "next_steps")
WEB_EVENTS: Final = ("visit", "product_view", "cart", "search", "login")
EMAIL_EVENTS: Final = ("newsletter", "promotion", "reminder", "welcome")
EMAIL_OUTCOMES: Final = ("delivered", "opened", "clicked", "clicked", "bounced", "unsubscribed")
SOCIAL_EVENTS: Final = ("mention", "comment", "review", "direct_message")
DEAL_KINDS: Final = ("renewal", "expansion", "new business", "pilot")
DEAL_STAGES: Final = ("qualification", "discovery", "proposal", "negotiation")
REFERRAL_PROGRAMS: Final = ("friend", "referral_program", "social_share", "word_of_mouth")
BROKER_CHANNELS: Final = ("broker", "event", "online", "phone", "branch")
HOUSEHOLD_ROLES: Final = ("head", "partner", "child", "child", "other")

NPS_COMMENTS: Final = (
    (  # detractors 0-6
        "Delivery took far too long.",
        'The "premium" plan is not worth the price',
        "Support never called back, twice",
        "Product broke after a month; returns were a hassle",
        "",
    ),
    (  # passives 7-8
        "Good products, average service",
        "OK overall; website is slow",
        "Fine, but shipping costs are high",
        "",
    ),
    (  # promoters 9-10
        "Great service, fast delivery!",
        "Love it - recommended to friends",
        "Support team was brilliant",
        "Excellent value; will buy again",
        "",
    ),
)
SURVEYS: Final = ("NPS relationship", "NPS post-purchase", "NPS post-support")

BROKER_WORDS: Final = (
    "Insurance Brokers", "Partners", "Distribution", "Advisory", "Trade Partners", "Consulting",
    "Solutions", "Sales Agency",
)  # fmt: skip
