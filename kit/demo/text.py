"""Word lists of the demo organization: fictional names, phone area codes, activity text.

Everything here is invented. Borrower emails use the reserved ``example.*`` domains and phone
numbers the fictional ``555`` exchange, so no generated record can reach a real person.
"""

from __future__ import annotations

#: The teams of the demo organization, one per story, in story order.
TEAM_BASE_NAMES: tuple[str, ...] = (
    "Cedar Ridge",
    "Lakeshore",
    "Old Mill",
    "Pine Hollow",
    "Riverbend",
)

#: The two teams the demo's standards were required of on the requirement date, in the order
#: of their stories (``responds``, ``ignores``).
REQUIREMENT_TEAM_NAMES: tuple[str, ...] = ("Harbor Point", "Stonebridge")

FIRST_NAMES: tuple[str, ...] = (
    "Aaliyah", "Aaron", "Abigail", "Adrian", "Aisha", "Alejandro", "Alex", "Alicia", "Amara",
    "Amir", "Ana", "Andre", "Angela", "Anh", "Anthony", "Arjun", "Ashley", "Ava", "Beatriz",
    "Benjamin", "Bianca", "Brandon", "Brian", "Brianna", "Caleb", "Camila", "Carlos", "Carmen",
    "Caroline", "Chen", "Chloe", "Christopher", "Claire", "Daniel", "Daniela", "David", "Deepa",
    "Deshawn", "Diana", "Diego", "Dmitri", "Dylan", "Elena", "Eli", "Elijah", "Emily", "Emma",
    "Eric", "Esther", "Ethan", "Fatima", "Felipe", "Fiona", "Gabriel", "Grace", "Hana",
    "Hannah", "Hector", "Hiroshi", "Ian", "Imani", "Isabel", "Isaiah", "Ivan", "Jacob", "Jada",
    "Jamal", "James", "Jasmine", "Javier", "Jennifer", "Jessica", "Jin", "Joanna", "Jorge",
    "Jose", "Joseph", "Joshua", "Julia", "Kaito", "Karen", "Katherine", "Keisha", "Kevin",
    "Kiara", "Kwame", "Laila", "Laura", "Lauren", "Leah", "Liam", "Lucas", "Lucia", "Luis",
    "Maya", "Malik", "Marcus", "Maria", "Mariana", "Mark", "Mateo", "Matthew", "Megan", "Mei",
    "Michael", "Michelle", "Miguel", "Mohammed", "Monica", "Nadia", "Naomi", "Natalie",
    "Nathan", "Nia", "Nicholas", "Nina", "Noah", "Olivia", "Omar", "Oscar", "Pablo", "Patricia",
    "Paul", "Priya", "Rachel", "Rafael", "Rahul", "Ravi", "Rebecca", "Ricardo", "Robert", "Rosa",
    "Ryan", "Samantha", "Samuel", "Sara", "Sean", "Sofia", "Sophia", "Stephanie", "Steven",
    "Tamika", "Tanya", "Thomas", "Tiffany", "Tomas", "Tyler", "Valentina", "Vanessa", "Victor",
    "Wei", "William", "Xavier", "Yara", "Yusuf", "Zainab", "Zoe",
)  # fmt: skip

LAST_NAMES: tuple[str, ...] = (
    "Abbott", "Acosta", "Adeyemi", "Agarwal", "Alvarez", "Anderson", "Bailey", "Banerjee",
    "Barnes", "Bell", "Bennett", "Brooks", "Bryant", "Castillo", "Castro", "Chang", "Chavez",
    "Chen", "Clark", "Coleman", "Collins", "Cruz", "Daniels", "Davis", "Delgado", "Diaz",
    "Dubois", "Edwards", "Evans", "Fernandez", "Fischer", "Flores", "Foster", "Garcia",
    "Gonzalez", "Gordon", "Graham", "Green", "Gupta", "Gutierrez", "Hall", "Hamilton",
    "Harris", "Hayes", "Henderson", "Hernandez", "Hoang", "Howard", "Hughes", "Ibrahim",
    "Jackson", "James", "Jenkins", "Jimenez", "Johnson", "Jones", "Kang", "Kaur", "Kelly",
    "Khan", "Kim", "Kowalski", "Kumar", "Lee", "Lewis", "Lin", "Lopez", "Martin", "Martinez",
    "Mendoza", "Meyer", "Miller", "Mitchell", "Moore", "Morales", "Morgan", "Murphy",
    "Nakamura", "Nelson", "Nguyen", "Novak", "Okafor", "Okonkwo", "Oliveira", "Ortiz", "Owens",
    "Park", "Patel", "Perez", "Perry", "Peterson", "Phillips", "Price", "Ramirez", "Ramos",
    "Reed", "Reyes", "Richardson", "Rivera", "Roberts", "Robinson", "Rodriguez", "Rogers",
    "Romero", "Ross", "Russell", "Sanchez", "Sanders", "Santos", "Schmidt", "Scott", "Shah",
    "Silva", "Singh", "Smith", "Sullivan", "Suzuki", "Tanaka", "Taylor", "Thomas", "Thompson",
    "Torres", "Tran", "Turner", "Vargas", "Vasquez", "Walker", "Wang", "Ward", "Washington",
    "Watson", "White", "Williams", "Wilson", "Wong", "Wright", "Wu", "Yamamoto", "Yang",
    "Young", "Zhang", "Zimmerman",
)  # fmt: skip

#: More family names, none of them in :data:`LAST_NAMES`: the requirement teams' people and
#: borrowers use these, so adding those teams leaves the other teams' duplicate checks as
#: they were.
MORE_LAST_NAMES: tuple[str, ...] = (
    "Aguilar", "Alexander", "Allen", "Andrade", "Armstrong", "Baker", "Becker", "Bishop",
    "Blake", "Boateng", "Bose", "Boyd", "Bradley", "Campbell", "Carter", "Chaudhry", "Cho",
    "Cohen", "Cooper", "Costa", "Crawford", "Dang", "Das", "Dixon", "Duarte", "Duncan",
    "Ellis", "Estrada", "Ferguson", "Fleming", "Ford", "Fox", "Fuentes", "Gill", "Grant",
    "Guerrero", "Hart", "Hashemi", "Herrera", "Ho", "Holmes", "Hunt", "Iyer", "Jensen",
    "Joshi", "Keller", "Kennedy", "Knight", "Larsen", "Le", "Mahmoud", "Malik", "Marshall",
    "Medina", "Mensah", "Molina", "Montgomery", "Myers", "Nash", "Navarro", "Obi", "Olsen",
    "Palmer", "Pham", "Porter", "Quinn", "Rao", "Reid", "Rice", "Rojas", "Salazar", "Sato",
    "Shaw", "Soto", "Stewart", "Stone", "Sun", "Tucker", "Valdez", "Vega", "Wagner", "Wallace",
    "Warren", "Weber", "Wells", "Woods", "Xu", "Yilmaz", "Zhou",
)  # fmt: skip

#: Real US area codes; the line is always in the fictional 555 exchange.
AREA_CODES: tuple[str, ...] = (
    "201", "202", "206", "210", "212", "214", "215", "216", "224", "248", "253", "267", "281",
    "301", "303", "305", "310", "312", "314", "317", "323", "330", "336", "347", "360", "385",
    "402", "404", "407", "408", "410", "412", "414", "415", "425", "469", "480", "503", "504",
    "512", "513", "518", "520", "540", "561", "571", "602", "608", "612", "614", "615", "617",
    "619", "623", "626", "646", "650", "651", "678", "702", "703", "704", "713", "720", "727",
    "732", "754", "770", "773", "786", "801", "813", "816", "818", "832", "843", "847", "858",
    "901", "904", "910", "913", "916", "919", "925", "949", "954", "971", "972", "980",
)  # fmt: skip

#: More real US area codes, none of them in :data:`AREA_CODES`: only the xlarge scale's
#: millions of people need them (each person's number is unique), so the other scales'
#: numbers stay as they were.
MORE_AREA_CODES: tuple[str, ...] = (
    "203", "205", "207", "208", "209", "213", "217", "218", "219", "220", "223", "225", "228",
    "229", "231", "234", "239", "240", "251", "252", "254", "256", "260", "262", "269", "270",
    "272", "276", "279", "302", "304", "307", "308", "309", "313", "315", "316", "318", "319",
    "320", "321", "325", "326", "332", "334", "337", "339", "341", "346", "351", "352", "380",
    "386", "401", "405", "406", "409", "413", "417", "419", "423", "424", "430", "432", "434",
    "435", "440", "442", "443", "458", "463", "470", "475", "478", "479", "484", "501", "502",
    "505", "507", "508", "509", "510", "515", "516", "517", "530", "531", "534", "539", "541",
    "551", "559", "562", "563", "564", "567", "570", "573", "574", "575", "580", "585", "586",
    "601", "603", "605", "606", "607", "609", "610", "616", "618", "620", "628", "629", "630",
    "631", "636", "641", "657", "659", "660", "661", "662", "667", "669", "680", "681", "682",
    "689", "701", "706", "707", "708", "712", "714", "715", "716", "717", "718", "719", "724",
    "725", "726", "731", "734", "737", "740", "743", "747", "757", "760", "762", "763", "765",
    "769", "772", "774", "775", "779", "781", "785", "802", "803", "804", "805", "806", "808",
    "810", "812", "814", "815", "817", "828", "830", "831", "838", "839", "840", "845", "848",
    "850", "854", "856", "857", "859", "860", "862", "863", "864", "865", "870", "872", "878",
    "903", "906", "907", "908", "909", "912", "914", "915", "917", "918", "920", "928", "929",
    "930", "931", "934", "936", "937", "938", "940", "941", "947", "951", "952", "956", "959",
    "970", "973", "978", "979", "984", "985", "989",
)  # fmt: skip

EMAIL_DOMAINS: tuple[str, ...] = ("example.com", "example.net", "example.org", "mail.example.com")

# ------------------------------------------------------------------ what producers write down
# Conversation outcomes, next steps and notes, per kind of conversation:
# 0 new lead, 1 loan in process, 2 past client, 3 referral partner.
OUTCOMES: tuple[tuple[str, ...], ...] = (
    (
        "Left voicemail",
        "No answer",
        "Connected - discussed purchase plans",
        "Connected - rate shopping",
        "Connected - wants pre-approval",
        "Asked to call back next week",
        "Not ready, 6+ months out",
        "Connected - comparing lenders",
    ),
    (
        "Collected pay stubs and W-2s",
        "Reviewed loan estimate",
        "Discussed rate lock",
        "Appraisal ordered",
        "Reviewed conditions with borrower",
        "Closing date confirmed",
        "Borrower sent bank statements",
    ),
    (
        "Checked in - happy with the loan",
        "Discussed refinance options",
        "Asked for a referral",
        "Left voicemail",
        "Annual mortgage review done",
    ),
    (
        "Reviewed active buyers",
        "Discussed co-marketing",
        "Agent has two buyers shopping",
        "Pipeline review over lunch",
        "Left voicemail",
    ),
)

NEXT_STEPS: tuple[tuple[str, ...], ...] = (
    (
        "Call back",
        "Send pre-approval letter",
        "Send rate quote",
        "Schedule application call",
        "Request credit authorization",
        "Follow up next week",
    ),
    (
        "Collect bank statements",
        "Order appraisal",
        "Clear underwriting conditions",
        "Send closing disclosure",
        "Confirm closing time",
    ),
    ("Check in next quarter", "Send refinance analysis", "Send anniversary note"),
    (
        "Send co-branded flyer",
        "Schedule lunch",
        "Follow up on buyer referral",
        "Invite to homebuyer seminar",
    ),
)

#: Short notes: (text before the borrower's first name, text after). An empty "before" means
#: the note does not name anyone.
NOTES: tuple[tuple[str, str], ...] = (
    ("", "Sent rate quote"),
    ("", "Texted re: documents"),
    ("", "Emailed pre-approval letter"),
    ("", "Waiting on appraisal"),
    ("", "Credit pulled, scores fine"),
    ("Spoke with ", " about rate lock timing"),
    ("", "Borrower prefers text"),
    ("", "Needs gift letter"),
    ("Left message for ", ""),
    ("", "Wants to close before month end"),
    ("Met ", " at open house"),
    ("", "Comparing us with a credit union"),
)

#: Subject lines of the automated campaign messages, per campaign (same order as CAMPAIGNS).
CAMPAIGN_MESSAGES: tuple[tuple[str, ...], ...] = (
    (
        "Thanks for reaching out - next steps",
        "What can you afford? A quick guide",
        "Pre-approval in 24 hours",
        "This week's rate update",
        "First-time buyer checklist",
        "Still looking? We can help",
    ),
    ("Hi, this is your loan officer - got your request", "Quick question about your home search"),
    ("Monthly market update", "Your home's value this month", "Homeowner tips for the season"),
    ("Rates dropped - is a refinance worth it?",),
    ("Partner market update", "New loan programs for your buyers"),
)

#: Demo campaigns: (name, channel, campaign message list index).
CAMPAIGNS: tuple[tuple[str, str], ...] = (
    ("New Lead Nurture", "email"),
    ("New Lead Text Drip", "text"),
    ("Past Client Monthly Newsletter", "email"),
    ("Rate Drop Alert", "text"),
    ("Realtor Partner Update", "email"),
)

# ------------------------------------------------------------------ spelling variants
#: How a CRM export spells vocabulary values besides the canonical code. Every variant
#: normalizes back to the code (casefold, non-alphanumeric runs -> "_").
STAGE_VARIANTS: dict[str, tuple[str, ...]] = {
    "new_lead": ("New Lead", "NEW_LEAD", "new lead"),
    "pre_approval": ("Pre-Approval", "Pre Approval", "PRE_APPROVAL"),
    "application": ("Application", "APPLICATION"),
    "processing": ("Processing", "PROCESSING"),
    "underwriting": ("Underwriting", "UNDERWRITING"),
    "clear_to_close": ("Clear To Close", "Clear to Close", "clear-to-close"),
    "funded": ("Funded", "FUNDED"),
    "lost": ("Lost", "LOST", " lost "),
}
#: True misspellings: intake cannot map these and records them as invalid.
STAGE_MISSPELLINGS: dict[str, str] = {
    "pre_approval": "Pre-Aproval",
    "application": "Aplication",
    "processing": "Proccessing",
    "underwriting": "Underwritting",
}
