//! The demo's vocabulary: IT roles with their skills, places, companies and the phrases recruiters
//! write. Every name here is invented; every web domain and email address is on a reserved
//! `.example` domain, so nothing in the demo can reach a real company or person.

use fake::locales::Data;

/// A kind of IT contractor: how common, how they title themselves, their skills (most typical
/// first), the job titles clients use for them, what they did lately, and how their rate compares.
#[derive(Debug)]
pub struct Role {
    pub key: &'static str,
    pub weight: u32,
    pub title: &'static str,
    pub skills: &'static [&'static str],
    pub job_titles: &'static [&'static str],
    pub achievements: &'static [&'static str],
    pub certificates: &'static [&'static str],
    /// Rate relative to the market middle (1.0 ≈ 70 an hour).
    pub rate_factor: f64,
}

/// The roles of the demo desks, by how often agencies see them.
pub const ROLES: &[Role] = &[
    Role {
        key: "java",
        weight: 14,
        title: "Java Developer",
        skills: &[
            "Java",
            "Spring Boot",
            "Microservices",
            "PostgreSQL",
            "Kafka",
            "REST APIs",
            "Hibernate",
            "Kotlin",
            "Maven",
            "Docker",
            "AWS",
        ],
        job_titles: &["Java Developer", "Java Engineer", "Backend Engineer (Java)", "Java Tech Lead"],
        achievements: &[
            "moved a payments monolith onto Spring Boot microservices",
            "rebuilt the trade-capture service to handle ten times the volume",
            "led the Java 8 to Java 21 upgrade across forty services",
        ],
        certificates: &["Oracle Certified Professional, Java SE"],
        rate_factor: 1.0,
    },
    Role {
        key: "python",
        weight: 10,
        title: "Python Developer",
        skills: &[
            "Python",
            "Django",
            "FastAPI",
            "PostgreSQL",
            "Flask",
            "Celery",
            "Redis",
            "Docker",
            "AWS",
            "REST APIs",
        ],
        job_titles: &["Python Developer", "Backend Engineer (Python)", "Django Developer"],
        achievements: &[
            "built the claims API that replaced a decade-old batch process",
            "took a Django platform from one country to six",
            "cut API response times by two thirds with caching and query work",
        ],
        certificates: &[],
        rate_factor: 0.95,
    },
    Role {
        key: "dotnet",
        weight: 8,
        title: ".NET Developer",
        skills: &["C#", ".NET", "ASP.NET Core", "Azure", "SQL Server", "Entity Framework", "Microservices", "Blazor"],
        job_titles: &[".NET Developer", "C# Developer", "Senior .NET Engineer"],
        achievements: &[
            "migrated an on-premises .NET Framework estate to Azure",
            "delivered the policy administration rewrite in .NET 8",
        ],
        certificates: &["Microsoft Certified: Azure Developer Associate"],
        rate_factor: 0.95,
    },
    Role {
        key: "frontend",
        weight: 9,
        title: "Frontend Developer",
        skills: &[
            "React",
            "TypeScript",
            "JavaScript",
            "Next.js",
            "CSS",
            "HTML",
            "Accessibility",
            "Redux",
            "Vue.js",
            "Angular",
            "Storybook",
        ],
        job_titles: &["Frontend Developer", "React Developer", "Senior Frontend Engineer", "UI Engineer"],
        achievements: &[
            "rebuilt a retail checkout in React and lifted conversion by 8%",
            "set up the design system and component library used by five teams",
            "brought a public-sector service up to WCAG 2.2 AA",
        ],
        certificates: &[],
        rate_factor: 0.9,
    },
    Role {
        key: "fullstack",
        weight: 8,
        title: "Full-Stack Developer",
        skills: &["Node.js", "TypeScript", "React", "GraphQL", "PostgreSQL", "AWS", "MongoDB", "Docker", "Next.js"],
        job_titles: &["Full-Stack Developer", "Full-Stack Engineer (TypeScript)", "Node.js Developer"],
        achievements: &[
            "shipped a booking platform from first commit to launch in five months",
            "replaced a REST sprawl with one GraphQL gateway",
        ],
        certificates: &[],
        rate_factor: 0.95,
    },
    Role {
        key: "data_engineer",
        weight: 9,
        title: "Data Engineer",
        skills: &["Python", "SQL", "Spark", "Airflow", "dbt", "Snowflake", "Kafka", "Databricks", "AWS", "BigQuery"],
        job_titles: &["Data Engineer", "Senior Data Engineer", "Analytics Engineer", "Data Platform Engineer"],
        achievements: &[
            "built the Snowflake and dbt platform behind the group's regulatory reporting",
            "moved two hundred nightly batch jobs to streaming on Kafka",
            "cut the data warehouse bill by 40% without losing a report",
        ],
        certificates: &["SnowPro Core", "Databricks Certified Data Engineer"],
        rate_factor: 1.05,
    },
    Role {
        key: "data_science",
        weight: 5,
        title: "Data Scientist",
        skills: &["Python", "Machine Learning", "PyTorch", "pandas", "scikit-learn", "SQL", "MLOps", "NLP", "LLMs"],
        job_titles: &["Data Scientist", "Machine Learning Engineer", "ML Engineer (NLP)"],
        achievements: &[
            "put a fraud model into production that saves a bank millions a year",
            "built the demand forecast a supermarket chain now orders from",
            "shipped a document-classification service on open-source LLMs",
        ],
        certificates: &[],
        rate_factor: 1.15,
    },
    Role {
        key: "devops",
        weight: 11,
        title: "DevOps Engineer",
        skills: &[
            "Kubernetes",
            "Terraform",
            "AWS",
            "Docker",
            "CI/CD",
            "Linux",
            "Ansible",
            "Helm",
            "GitHub Actions",
            "Azure",
            "Prometheus",
            "Google Cloud",
        ],
        job_titles: &["DevOps Engineer", "Platform Engineer", "Cloud Engineer (AWS)", "Senior DevOps Engineer"],
        achievements: &[
            "rebuilt the CI/CD pipelines and took deployments from hours to minutes",
            "moved sixty services from VMs to Kubernetes with no downtime",
            "wrote the Terraform modules three product teams now build on",
        ],
        certificates: &["Certified Kubernetes Administrator", "AWS Solutions Architect – Professional"],
        rate_factor: 1.1,
    },
    Role {
        key: "sre",
        weight: 4,
        title: "Site Reliability Engineer",
        skills: &[
            "SRE",
            "Kubernetes",
            "Go",
            "Prometheus",
            "Grafana",
            "Linux",
            "AWS",
            "Terraform",
            "Incident Management",
        ],
        job_titles: &["Site Reliability Engineer", "SRE Lead", "Observability Engineer"],
        achievements: &[
            "introduced SLOs and halved the number of out-of-hours pages",
            "ran the incident process for a platform serving ten million users",
        ],
        certificates: &["Certified Kubernetes Administrator"],
        rate_factor: 1.15,
    },
    Role {
        key: "go",
        weight: 4,
        title: "Go Developer",
        skills: &["Go", "Kubernetes", "gRPC", "PostgreSQL", "Kafka", "Docker", "Microservices", "Google Cloud"],
        job_titles: &["Go Developer", "Backend Engineer (Go)", "Senior Golang Engineer"],
        achievements: &[
            "wrote the order-routing service in Go that handles the whole peak",
            "replaced a Python ingestion pipeline with Go and cut the servers by half",
        ],
        certificates: &[],
        rate_factor: 1.1,
    },
    Role {
        key: "ios",
        weight: 3,
        title: "iOS Developer",
        skills: &["Swift", "iOS", "SwiftUI", "Objective-C", "Xcode", "REST APIs"],
        job_titles: &["iOS Developer", "Senior iOS Engineer"],
        achievements: &["rebuilt a banking app in SwiftUI with a 4.8 App Store rating"],
        certificates: &[],
        rate_factor: 1.0,
    },
    Role {
        key: "android",
        weight: 3,
        title: "Android Developer",
        skills: &["Kotlin", "Android", "Jetpack Compose", "Java", "REST APIs"],
        job_titles: &["Android Developer", "Senior Android Engineer (Kotlin)"],
        achievements: &["moved a retailer's Android app to Jetpack Compose"],
        certificates: &[],
        rate_factor: 1.0,
    },
    Role {
        key: "qa",
        weight: 6,
        title: "Test Automation Engineer",
        skills: &[
            "Test Automation",
            "Selenium",
            "Cypress",
            "Playwright",
            "Java",
            "Python",
            "JMeter",
            "Cucumber",
            "CI/CD",
        ],
        job_titles: &["Test Automation Engineer", "QA Engineer", "SDET", "Performance Tester"],
        achievements: &[
            "automated the regression pack and cut release testing from two weeks to two days",
            "set up performance testing before a Black Friday that did not fall over",
        ],
        certificates: &["ISTQB Advanced Test Automation Engineer"],
        rate_factor: 0.85,
    },
    Role {
        key: "security",
        weight: 4,
        title: "Security Engineer",
        skills: &["Cloud Security", "Penetration Testing", "IAM", "SIEM", "ISO 27001", "OWASP", "Azure", "AWS"],
        job_titles: &["Security Engineer", "Cloud Security Engineer", "Penetration Tester"],
        achievements: &[
            "took a fintech through ISO 27001 certification",
            "rolled out single sign-on and least-privilege access for 3,000 staff",
        ],
        certificates: &["CISSP", "OSCP"],
        rate_factor: 1.2,
    },
    Role {
        key: "sap",
        weight: 3,
        title: "SAP Consultant",
        skills: &["SAP", "SAP S/4HANA", "ABAP", "SAP FICO", "SAP MM"],
        job_titles: &["SAP S/4HANA Consultant", "SAP FICO Consultant", "ABAP Developer"],
        achievements: &["led the finance stream of an S/4HANA migration"],
        certificates: &["SAP Certified Application Associate – S/4HANA"],
        rate_factor: 1.25,
    },
    Role {
        key: "salesforce",
        weight: 3,
        title: "Salesforce Developer",
        skills: &["Salesforce", "Apex", "Lightning", "Salesforce CPQ", "JavaScript"],
        job_titles: &["Salesforce Developer", "Salesforce CPQ Consultant"],
        achievements: &["rolled out Salesforce CPQ to a 400-person sales team"],
        certificates: &["Salesforce Platform Developer II"],
        rate_factor: 1.0,
    },
    Role {
        key: "ba",
        weight: 5,
        title: "Business Analyst",
        skills: &[
            "Business Analysis",
            "Agile",
            "Jira",
            "SQL",
            "BPMN",
            "Confluence",
            "Power BI",
            "Stakeholder Management",
        ],
        job_titles: &["Business Analyst", "Senior Business Analyst", "Technical Business Analyst"],
        achievements: &[
            "wrote the requirements for a core banking replacement",
            "mapped and simplified the onboarding process for an insurer's brokers",
        ],
        certificates: &["BCS International Diploma in Business Analysis"],
        rate_factor: 0.85,
    },
    Role {
        key: "delivery",
        weight: 5,
        title: "Delivery Manager",
        skills: &["Agile", "Scrum", "Jira", "Stakeholder Management", "SAFe", "Prince2", "Confluence", "Kanban"],
        job_titles: &["Delivery Manager", "Scrum Master", "Agile Project Manager", "Programme Manager"],
        achievements: &[
            "ran three delivery teams through a regulator-driven deadline",
            "introduced Scrum to a team of forty without stopping delivery",
        ],
        certificates: &["Professional Scrum Master I", "PRINCE2 Practitioner", "SAFe Agilist"],
        rate_factor: 0.95,
    },
    Role {
        key: "analyst",
        weight: 4,
        title: "Data Analyst",
        skills: &["SQL", "Power BI", "Tableau", "Excel", "Python", "Looker"],
        job_titles: &["Data Analyst", "BI Developer", "Power BI Developer"],
        achievements: &["built the Power BI reporting the board reads every month"],
        certificates: &["Microsoft Certified: Power BI Data Analyst Associate"],
        rate_factor: 0.75,
    },
    Role {
        key: "architect",
        weight: 3,
        title: "Solution Architect",
        skills: &["Solution Architecture", "AWS", "Azure", "TOGAF", "Microservices", "Kubernetes", "Terraform"],
        job_titles: &["Solution Architect", "Cloud Architect", "Enterprise Architect"],
        achievements: &[
            "designed the target architecture for a bank's move to the cloud",
            "set the integration architecture for a merger of two insurers",
        ],
        certificates: &["TOGAF 9 Certified", "AWS Solutions Architect – Professional"],
        rate_factor: 1.35,
    },
    Role {
        key: "systems",
        weight: 2,
        title: "Rust / C++ Engineer",
        skills: &["Rust", "C++", "Linux", "Embedded", "gRPC", "Python"],
        job_titles: &["Rust Engineer", "C++ Developer (low latency)", "Embedded Software Engineer"],
        achievements: &[
            "rewrote a market-data handler in Rust and took latency under ten microseconds",
            "wrote the firmware update path for a fleet of 50,000 devices",
        ],
        certificates: &[],
        rate_factor: 1.2,
    },
];

/// Skills every kind of contractor may list besides their own, most common first (their
/// popularity falls off like Zipf's law).
pub const COMMON_SKILLS: &[&str] = &[
    "SQL",
    "Git",
    "Agile",
    "Python",
    "Docker",
    "AWS",
    "Linux",
    "JavaScript",
    "Jira",
    "Scrum",
    "Kubernetes",
    "PostgreSQL",
    "Azure",
    "TypeScript",
    "CI/CD",
    "REST APIs",
    "Terraform",
    "Java",
    "Kafka",
    "Redis",
    "GraphQL",
    "Google Cloud",
    "MongoDB",
    "Elasticsearch",
    "Bash",
    "Confluence",
    "Microservices",
    "Snowflake",
    "Spark",
    "Go",
];

/// Other ways people write a skill (the shared vocabulary folds them into one).
pub const SKILL_SPELLINGS: &[(&str, &str)] = &[
    ("PostgreSQL", "Postgres"),
    ("Kubernetes", "k8s"),
    ("Go", "golang"),
    ("JavaScript", "JS"),
    ("Node.js", "nodejs"),
    (".NET", "dotnet"),
    ("Google Cloud", "GCP"),
    ("TypeScript", "typescript"),
];

/// A country the demo's people live in.
#[derive(Debug)]
pub struct Country {
    pub code: &'static str,
    pub currency: &'static str,
    /// How rates there compare with the euro middle.
    pub rate_factor: f64,
    /// A mobile number with `#` for each digit.
    pub phone: &'static str,
    /// Which name list most people there draw from.
    pub names: Names,
}

/// Name lists: fake's own locales where they read as real names, ours where they do not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Names {
    British,
    German,
    Dutch,
    French,
    Italian,
    Portuguese,
    Spanish,
    Polish,
    Indian,
    Turkish,
    Nordic,
}

/// Name lists someone anywhere may have (contracting is international).
pub const TRAVELLING_NAMES: &[Names] = &[
    Names::Indian,
    Names::Polish,
    Names::Portuguese,
    Names::Italian,
    Names::Spanish,
    Names::Turkish,
    Names::French,
    Names::German,
    Names::British,
];

const UK: Country =
    Country { code: "GB", currency: "GBP", rate_factor: 0.85, phone: "+44 7### ######", names: Names::British };
const IE: Country =
    Country { code: "IE", currency: "EUR", rate_factor: 1.0, phone: "+353 8# ### ####", names: Names::British };
const NL: Country =
    Country { code: "NL", currency: "EUR", rate_factor: 1.0, phone: "+31 6 ########", names: Names::Dutch };
const BE: Country =
    Country { code: "BE", currency: "EUR", rate_factor: 0.95, phone: "+32 4## ## ## ##", names: Names::Dutch };
const DE: Country =
    Country { code: "DE", currency: "EUR", rate_factor: 1.0, phone: "+49 15# #######", names: Names::German };
const AT: Country =
    Country { code: "AT", currency: "EUR", rate_factor: 0.95, phone: "+43 66# ######", names: Names::German };
const CH: Country =
    Country { code: "CH", currency: "CHF", rate_factor: 1.3, phone: "+41 7# ### ## ##", names: Names::German };
const FR: Country =
    Country { code: "FR", currency: "EUR", rate_factor: 0.9, phone: "+33 6 ## ## ## ##", names: Names::French };
const PT: Country =
    Country { code: "PT", currency: "EUR", rate_factor: 0.7, phone: "+351 9## ### ###", names: Names::Portuguese };
const ES: Country =
    Country { code: "ES", currency: "EUR", rate_factor: 0.75, phone: "+34 6## ### ###", names: Names::Spanish };
const PL: Country =
    Country { code: "PL", currency: "EUR", rate_factor: 0.7, phone: "+48 ### ### ###", names: Names::Polish };
const IT: Country =
    Country { code: "IT", currency: "EUR", rate_factor: 0.8, phone: "+39 3## ### ####", names: Names::Italian };
const SE: Country =
    Country { code: "SE", currency: "EUR", rate_factor: 1.0, phone: "+46 7# ### ## ##", names: Names::Nordic };
const DK: Country =
    Country { code: "DK", currency: "EUR", rate_factor: 1.05, phone: "+45 ## ## ## ##", names: Names::Nordic };

/// A place people work from: (location as typed, country, weight). "Remote" places are people
/// who do not say where they live.
pub const PLACES: &[(&str, &Country, u32)] = &[
    ("London", &UK, 22),
    ("Manchester", &UK, 6),
    ("Edinburgh", &UK, 3),
    ("Bristol", &UK, 3),
    ("Leeds", &UK, 2),
    ("Birmingham", &UK, 2),
    ("Glasgow", &UK, 2),
    ("Reading", &UK, 1),
    ("Cambridge", &UK, 1),
    ("Remote (UK)", &UK, 6),
    ("Dublin", &IE, 4),
    ("Amsterdam", &NL, 6),
    ("Rotterdam", &NL, 2),
    ("Utrecht", &NL, 2),
    ("Eindhoven", &NL, 1),
    ("Brussels", &BE, 1),
    ("Berlin", &DE, 5),
    ("Munich", &DE, 3),
    ("Hamburg", &DE, 2),
    ("Frankfurt", &DE, 3),
    ("Cologne", &DE, 1),
    ("Remote (EU)", &DE, 4),
    ("Vienna", &AT, 1),
    ("Zurich", &CH, 2),
    ("Paris", &FR, 3),
    ("Lyon", &FR, 1),
    ("Lisbon", &PT, 2),
    ("Porto", &PT, 1),
    ("Barcelona", &ES, 2),
    ("Madrid", &ES, 2),
    ("Warsaw", &PL, 2),
    ("Kraków", &PL, 2),
    ("Milan", &IT, 1),
    ("Stockholm", &SE, 1),
    ("Copenhagen", &DK, 1),
];

/// Industries people have worked in and clients are in.
pub const INDUSTRIES: &[&str] = &[
    "banking",
    "insurance",
    "retail",
    "e-commerce",
    "logistics",
    "the public sector",
    "healthcare",
    "telecoms",
    "energy",
    "media",
    "gaming",
    "fintech",
    "automotive",
    "pharma",
    "travel",
];

/// Where someone has worked before, as they would put it.
pub const PAST_EMPLOYERS: &[&str] = &[
    "a tier-one investment bank",
    "a FTSE 100 insurer",
    "a Big Four consultancy",
    "a German car maker",
    "a Dutch neobank",
    "a national rail operator",
    "a supermarket chain",
    "a streaming start-up",
    "a government department",
    "an energy supplier",
    "a mobile network operator",
    "a scale-up in Berlin",
];

/// Tags recruiters put on records.
pub const TAGS: &[&str] = &[
    "fintech",
    "team-lead",
    "placed-before",
    "referral",
    "hot",
    "startup",
    "public-sector",
    "consultancy-background",
    "remote-only",
    "architect-track",
    "weekend-cover",
    "needs-visa",
];

/// Where records come from.
pub const SOURCES: &[(&str, u32)] = &[
    ("LinkedIn", 35),
    ("Referral", 20),
    ("Job board", 15),
    ("Website application", 10),
    ("Meetup", 7),
    ("Previous placement", 8),
    ("Spreadsheet import", 5),
];

/// Events recruiters meet people at.
pub const EVENTS: &[&str] = &[
    "Devoxx",
    "KubeCon",
    "the local Python meetup",
    "PyData",
    "the AWS Summit",
    "a DevOpsDays evening",
    "the React meetup",
    "NDC",
];

/// The agency's private notes on a contractor (`{first}`, `{skill}`, `{event}`, `{rate}`,
/// `{employer}`, `{industry}` are filled in).
pub const CONTRACTOR_NOTES: &[&str] = &[
    "Met at {event}; sharp, and explains {skill} trade-offs clearly.",
    "Referred by a contractor we placed last year. Worked with them at {employer}.",
    "Won't go below {rate} even for a long contract.",
    "Prefers a four-day week; flexible on rate if the work is interesting.",
    "Excellent feedback from the last engagement; the client would rehire.",
    "Slow to answer email — a call or a text works much better.",
    "Wants to move away from {industry}; open to anything else.",
    "Strong on {skill} but needs some support on stakeholder-facing work.",
    "Has led small teams; interested in a lead role next.",
    "Only considers roles with at most two office days a week.",
    "Asked us not to share the CV without checking first.",
    "Knows the {industry} domain inside out; good for regulated clients.",
];

/// What someone prefers about where they work.
pub const REMOTE_PHRASES: &[(&str, &str)] = &[
    ("any", "open to remote, hybrid or on-site work"),
    ("remote", "looking for fully remote work"),
    ("hybrid", "happy with two or three office days a week"),
    ("onsite", "happy to be on site full time"),
];

/// Company name lists for clients: (name, industry, city). Invented; domains are derived from
/// the name on `.example`.
pub const COMPANIES: &[(&str, &str, &str)] = &[
    ("Meridian Bank", "banking", "London"),
    ("Harrowgate Insurance", "insurance", "Leeds"),
    ("Bluewater Logistics", "logistics", "Rotterdam"),
    ("Corvid Analytics", "data", "London"),
    ("Helix Therapeutics", "pharma", "Cambridge"),
    ("Larkspur Retail Group", "retail", "Manchester"),
    ("Northgate Energy", "energy", "Edinburgh"),
    ("Quayside Media", "media", "Bristol"),
    ("Tidewell Telecom", "telecoms", "Dublin"),
    ("Brightline Rail", "transport", "Birmingham"),
    ("Kestrel Payments", "fintech", "Amsterdam"),
    ("Oakfield Health", "healthcare", "London"),
    ("Silverbirch Capital", "asset management", "London"),
    ("Copperleaf Games", "gaming", "Berlin"),
    ("Fenwick Motors", "automotive", "Munich"),
    ("Greyhaven Security", "security", "Reading"),
    ("Lumen Grid", "energy", "Hamburg"),
    ("Marlow Foods", "food", "Manchester"),
    ("Orchard Mutual", "insurance", "Bristol"),
    ("Pinecrest Travel", "travel", "London"),
    ("Redwater Shipping", "logistics", "Hamburg"),
    ("Sable Robotics", "manufacturing", "Eindhoven"),
    ("Vantage Property", "real estate", "London"),
    ("Westbrook University", "education", "Glasgow"),
    ("Zephyr Airways", "aviation", "Dublin"),
    ("Halcyon Biotech", "pharma", "Basel"),
    ("Ironbridge Engineering", "engineering", "Birmingham"),
    ("Juniper Home", "e-commerce", "Amsterdam"),
    ("Kingsway Building Society", "banking", "Leeds"),
    ("Lattice Cloud", "software", "London"),
    ("Mosaic Learning", "education", "Utrecht"),
    ("Nimbus Weather", "software", "Reading"),
    ("Obsidian Trading", "trading", "London"),
    ("Parcelly", "logistics", "Berlin"),
    ("Rivermark Utilities", "utilities", "Manchester"),
    ("Stellar Mobility", "automotive", "Stuttgart"),
    ("Trellis HR", "software", "Dublin"),
    ("Verdant Agritech", "agritech", "Utrecht"),
    ("Wavecrest Telecom", "telecoms", "Madrid"),
    ("Albion Health Trust", "healthcare", "London"),
    ("Beacon Pensions", "pensions", "Edinburgh"),
    ("Cobalt Fintech", "fintech", "London"),
    ("Delta Freight", "logistics", "Frankfurt"),
    ("Foxglove Fashion", "e-commerce", "Paris"),
    ("Granite Reinsurance", "insurance", "Zurich"),
    ("Hartwell Hotels", "hospitality", "London"),
    ("Nordlicht Versicherung", "insurance", "Cologne"),
    ("Polder Bank", "banking", "Amsterdam"),
    ("Lumière Santé", "healthcare", "Lyon"),
    ("Tagus Digital", "software", "Lisbon"),
    ("Vistula Systems", "software", "Warsaw"),
    ("Aurora Grid Services", "energy", "Stockholm"),
];

/// Job titles of client contacts.
pub const CONTACT_TITLES: &[&str] = &[
    "Head of Engineering",
    "CTO",
    "Engineering Manager",
    "Talent Acquisition Partner",
    "Head of Data",
    "Procurement Manager",
    "Delivery Director",
    "IT Director",
    "Platform Lead",
    "Vendor Manager",
    "HR Business Partner",
    "Head of Product",
];

/// A client's notes (`{industry}`, `{days}` filled in).
pub const CLIENT_NOTES: &[&str] = &[
    "Framework agreement signed last spring; invoices paid net {days}.",
    "Prefers CVs through their vendor portal; no direct approaches to hiring managers.",
    "Fast decisions: usually one technical interview and a chat with the team lead.",
    "Everything goes through procurement; allow two weeks for a purchase order.",
    "Most roles are inside IR35; they run status determinations per role.",
    "Growing their {industry} platform team; expect more roles in the new year.",
    "Asks for a rate card refresh every January.",
];

/// Sentences a job description is made of (`{client}`, `{title}`, `{team}`, `{place}`,
/// `{duty}`, `{must}`, `{nice}`, `{months}` filled in).
pub const JOB_OPENINGS: &[&str] = &[
    "{client} is looking for a {title} to join the {team} team.",
    "{client} needs an experienced {title} for a {months}-month engagement with its {team} team.",
    "Our client {client} is growing its {team} team and wants a {title} who can hit the ground running.",
];

/// Teams a job can be in.
pub const TEAMS: &[&str] = &[
    "payments",
    "platform",
    "data",
    "customer",
    "mobile",
    "risk",
    "core banking",
    "pricing",
    "supply chain",
    "digital",
];

/// People's first names for our own name lists, paired with family names.
pub struct NameList {
    pub first: &'static [&'static str],
    pub last: &'static [&'static str],
}

/// British and Irish names.
pub const BRITISH: NameList = NameList {
    first: &[
        "Oliver",
        "Amelia",
        "George",
        "Isla",
        "Harry",
        "Olivia",
        "Jack",
        "Emily",
        "Charlie",
        "Sophie",
        "Thomas",
        "Grace",
        "James",
        "Chloe",
        "William",
        "Lucy",
        "Daniel",
        "Hannah",
        "Samuel",
        "Ella",
        "Joseph",
        "Megan",
        "Matthew",
        "Charlotte",
        "Ryan",
        "Jessica",
        "Liam",
        "Rebecca",
        "Callum",
        "Laura",
        "Ben",
        "Rachel",
        "Adam",
        "Katie",
        "Connor",
        "Niamh",
        "Owen",
        "Siobhan",
        "Rhys",
        "Fiona",
        "Alistair",
        "Claire",
        "Gareth",
        "Helen",
        "Stuart",
        "Joanna",
        "Neil",
        "Victoria",
        "Simon",
        "Eleanor",
    ],
    last: &[
        "Smith",
        "Jones",
        "Taylor",
        "Brown",
        "Williams",
        "Wilson",
        "Johnson",
        "Davies",
        "Robinson",
        "Wright",
        "Thompson",
        "Evans",
        "Walker",
        "White",
        "Roberts",
        "Green",
        "Hall",
        "Wood",
        "Jackson",
        "Clarke",
        "Hughes",
        "Edwards",
        "Turner",
        "Lewis",
        "Harris",
        "Martin",
        "Cooper",
        "Hill",
        "Ward",
        "Morris",
        "Moore",
        "Clark",
        "Baker",
        "Harrison",
        "Morgan",
        "Patel",
        "Young",
        "Allen",
        "Mitchell",
        "James",
        "Anderson",
        "Phillips",
        "Murphy",
        "Kelly",
        "O'Brien",
        "Walsh",
        "Byrne",
        "Ryan",
        "Campbell",
        "Stewart",
        "MacDonald",
        "Fraser",
        "Reid",
        "Ross",
        "Kennedy",
        "Price",
        "Bennett",
        "Gray",
        "Fletcher",
        "Lloyd",
    ],
};

/// German, Austrian and Swiss names.
pub const GERMAN: NameList = NameList {
    first: &[
        "Lukas",
        "Anna",
        "Jonas",
        "Lena",
        "Felix",
        "Laura",
        "Maximilian",
        "Julia",
        "Leon",
        "Sarah",
        "Paul",
        "Katharina",
        "Tobias",
        "Lisa",
        "Florian",
        "Johanna",
        "Sebastian",
        "Marie",
        "Stefan",
        "Sophie",
        "Matthias",
        "Hannah",
        "Jan",
        "Franziska",
        "Moritz",
        "Carolin",
        "Tim",
        "Miriam",
        "Philipp",
        "Nina",
        "Andreas",
        "Theresa",
        "Markus",
        "Jana",
        "Dominik",
        "Sabine",
    ],
    last: &[
        "Müller",
        "Schmidt",
        "Schneider",
        "Fischer",
        "Weber",
        "Meyer",
        "Wagner",
        "Becker",
        "Schulz",
        "Hoffmann",
        "Schäfer",
        "Koch",
        "Bauer",
        "Richter",
        "Klein",
        "Wolf",
        "Schröder",
        "Neumann",
        "Schwarz",
        "Zimmermann",
        "Braun",
        "Krüger",
        "Hofmann",
        "Hartmann",
        "Lange",
        "Schmitt",
        "Werner",
        "Krause",
        "Meier",
        "Lehmann",
        "Huber",
        "Gruber",
        "Keller",
        "Brunner",
    ],
};

/// Polish names.
pub const POLISH: NameList = NameList {
    first: &[
        "Jakub",
        "Zuzanna",
        "Kacper",
        "Julia",
        "Szymon",
        "Maja",
        "Mateusz",
        "Aleksandra",
        "Piotr",
        "Katarzyna",
        "Tomasz",
        "Agnieszka",
        "Michał",
        "Magdalena",
        "Krzysztof",
        "Joanna",
        "Paweł",
        "Natalia",
        "Łukasz",
        "Monika",
    ],
    last: &[
        "Nowak",
        "Kowalski",
        "Wiśniewski",
        "Wójcik",
        "Kowalczyk",
        "Kamiński",
        "Lewandowski",
        "Zieliński",
        "Szymański",
        "Woźniak",
        "Dąbrowski",
        "Kozłowski",
        "Jankowski",
        "Mazur",
        "Kwiatkowski",
        "Krawczyk",
    ],
};

/// Indian names.
pub const INDIAN: NameList = NameList {
    first: &[
        "Aarav",
        "Priya",
        "Rohan",
        "Ananya",
        "Vikram",
        "Kavya",
        "Arjun",
        "Divya",
        "Rahul",
        "Sneha",
        "Karthik",
        "Pooja",
        "Siddharth",
        "Neha",
        "Amit",
        "Shreya",
        "Nikhil",
        "Meera",
        "Sanjay",
        "Lakshmi",
        "Varun",
        "Ishita",
    ],
    last: &[
        "Sharma",
        "Patel",
        "Iyer",
        "Reddy",
        "Nair",
        "Gupta",
        "Singh",
        "Kumar",
        "Menon",
        "Rao",
        "Mehta",
        "Joshi",
        "Desai",
        "Krishnan",
        "Chatterjee",
        "Banerjee",
        "Pillai",
        "Kapoor",
    ],
};

/// Spanish names.
pub const SPANISH: NameList = NameList {
    first: &[
        "Alejandro",
        "Lucía",
        "Pablo",
        "María",
        "Javier",
        "Carmen",
        "Daniel",
        "Paula",
        "Sergio",
        "Elena",
        "Adrián",
        "Marta",
        "Diego",
        "Laura",
        "Álvaro",
        "Cristina",
        "Raúl",
        "Irene",
    ],
    last: &[
        "García",
        "Fernández",
        "González",
        "Rodríguez",
        "López",
        "Martínez",
        "Sánchez",
        "Pérez",
        "Gómez",
        "Martín",
        "Jiménez",
        "Ruiz",
        "Hernández",
        "Díaz",
        "Moreno",
        "Álvarez",
        "Romero",
        "Navarro",
    ],
};

/// Swedish and Danish names.
pub const NORDIC: NameList = NameList {
    first: &[
        "Erik", "Astrid", "Lars", "Ingrid", "Anders", "Freja", "Magnus", "Sofie", "Mikkel", "Ida", "Oskar", "Elin",
        "Rasmus", "Maja", "Henrik", "Karin",
    ],
    last: &[
        "Andersson",
        "Johansson",
        "Karlsson",
        "Nilsson",
        "Eriksson",
        "Larsson",
        "Jensen",
        "Nielsen",
        "Hansen",
        "Pedersen",
        "Lindqvist",
        "Berg",
        "Holm",
        "Dahl",
    ],
};

macro_rules! name_locale {
    ($locale:ident, $list:ident) => {
        /// A `fake` locale over one of our name lists.
        #[derive(Clone, Copy, Debug)]
        #[allow(non_camel_case_types)]
        pub struct $locale;

        impl Data for $locale {
            const NAME_FIRST_NAME: &'static [&'static str] = $list.first;
            const NAME_LAST_NAME: &'static [&'static str] = $list.last;
        }
    };
}

name_locale!(EN_GB, BRITISH);
name_locale!(DE_AT_CH, GERMAN);
name_locale!(PL_PL, POLISH);
name_locale!(EN_IN, INDIAN);
name_locale!(ES_ES, SPANISH);
name_locale!(SV_DA, NORDIC);

/// Country of a place by name (clients are in places people do not live in, too).
pub fn country_of_city(city: &str) -> &'static Country {
    match city {
        "Basel" => &CH,
        "Stuttgart" => &DE,
        _ => PLACES.iter().find(|(place, _, _)| *place == city).map_or(&UK, |(_, country, _)| country),
    }
}
