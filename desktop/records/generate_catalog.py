"""What the synthetic record generator draws from: offense texts as DOJ writes them, names,
counties, court and agency names. Only invented people; the offense texts follow the DOJ style
"<section> <CODE>-<description>" so that they exercise the section normaliser."""

from __future__ import annotations

from datetime import date

# An offense is (OFFENSE_DESCR, level) with level F, M, I or "W" (wobbler: F or M by chance).
Offense = tuple[str, str]

AUMA = date(2016, 11, 9).toordinal()  # Prop 64 in force
SB1449 = date(2011, 1, 1).toordinal()  # 11357(b) became an infraction
PROP47 = date(2014, 11, 5).toordinal()  # simple drug possession became misdemeanour-only

# --- Cannabis, by era (the record shows the subdivision letter as of the judgment) -------------

# Possession-type offenses before AUMA; the level is decided by date in generate.py.
PRE_POSSESS_CONC = "11357(A) HS-POSSESS CONCENTRATED CANNABIS"
PRE_POSSESS_SMALL = "11357(B) HS-POSSESS MARIJUANA 28.5 GRAMS OR LESS"
PRE_POSSESS_LARGE = "11357(C) HS-POSSESS MARIJUANA OVER 28.5 GRAMS"
PRE_POSSESS_SCHOOL = "11357(D) HS-POSSESS MARIJUANA ON SCHOOL GROUNDS"

PRE_CULTIVATE: Offense = ("11358 HS-CULTIVATE MARIJUANA", "F")
PRE_FOR_SALE: Offense = ("11359 HS-POSSESS MARIJUANA FOR SALE", "F")
PRE_SELL: Offense = ("11360(A) HS-SELL/TRANSPORT/ETC MARIJUANA", "F")
PRE_SELL_OLD: Offense = ("11360 HS-SELL/TRANSPORT/ETC MARIJUANA/HASH", "F")
PRE_GIVE_SMALL: Offense = ("11360(B) HS-GIVE/TRANSPORT/ETC 28.5 GRAMS OR LESS MARIJUANA", "M")

# Felonies whose same-section priors make the "two or more priors" hard case.
PRIOR_FELONIES: tuple[Offense, ...] = (PRE_CULTIVATE, PRE_FOR_SALE, PRE_SELL)

POST_SMALL_18_20: Offense = ("11357A2 HS-POSS MARIJ 28.5 GRAMS OR LESS AGE 18-20", "I")
POST_POSSESS: tuple[tuple[Offense, int], ...] = (
    (("11357B2 HS-POSS MARIJ OVER 28.5 GRAMS", "M"), 30),
    (("11357(C) HS-POSS MARIJ ON K-12 SCHOOL GROUNDS", "M"), 3),
    (("11358(C) HS-CULTIVATE OVER 6 MARIJUANA PLANTS", "M"), 10),
    (("11358(D) HS-CULTIVATE MARIJUANA W/PRIOR OR ENVIRON HARM", "F"), 2),
    (("11359(B) HS-POSSESS MARIJUANA FOR SALE", "M"), 20),
    (("11359(C)(3) HS-POSS MARIJ FOR SALE/SELL TO MINOR", "F"), 4),
    (("11359(D) HS-POSS MARIJ FOR SALE/EMPLOY MINOR", "F"), 3),
    (("11360(A)(2) HS-SELL/TRANSPORT MARIJUANA", "M"), 18),
    (("11360(A)(3)(C) HS-SELL/FURNISH MARIJUANA TO MINOR", "F"), 4),
    (("11360(B) HS-GIVE AWAY/TRANSPORT 28.5 GRAMS OR LESS", "I"), 6),
)

# --- Sections that look like cannabis sections but are not Prop 64 sections ------------------
LOOK_ALIKES: tuple[tuple[Offense, int], ...] = (
    (("11357.5(A) HS-SELL/ETC SYNTHETIC CANNABINOID", "M"), 3),
    (("11364 HS-POSSESS UNLAWFUL PARAPHERNALIA", "M"), 6),
    (("11379.6(A) HS-MANUFACTURE CONTROLLED SUBSTANCE", "F"), 2),
    (("11362.3(A)(1) HS-SMOKE MARIJUANA IN PUBLIC PLACE", "I"), 3),
    (("11366 HS-OPEN/MAINTAIN PLACE FOR CONTROLLED SUBSTANCE", "F"), 1),
)

# --- Charges that travel with a cannabis count in the same cycle (gogen related charges, SF
# plea-bargain codes) -------------------------------------------------------------------------
RELATED: tuple[tuple[Offense, int], ...] = (
    (("647(F) PC-DISORDERLY CONDUCT:INTOXICATED", "M"), 5),
    (("11364 HS-POSSESS UNLAWFUL PARAPHERNALIA", "M"), 5),
    (("148(A)(1) PC-OBSTRUCT/RESIST PUBLIC OFFICER", "M"), 4),
    (("4060 BP-POSSESS CONTROLLED SUBSTANCE W/O PRESCRIPTION", "M"), 3),
    (("32 PC-ACCESSORY", "F"), 2),
    (("602(L) PC-TRESPASS:OCCUPY PROPERTY W/O CONSENT", "M"), 2),
    (("148.9(A) PC-FALSE ID TO PEACE OFFICER", "M"), 2),
    (("11550(A) HS-UNDER INFLUENCE OF CONTROLLED SUBSTANCE", "M"), 2),
    (("1320(A) PC-FAIL TO APPEAR ON OWN RECOG:MISD", "M"), 1),
)

# Environmental violations that keep a cultivation felony (HS 11358(d)(3)).
ENVIRONMENTAL: tuple[Offense, ...] = (
    ("1052 WC-DIVERSION OF WATER", "M"),
    ("5650 FG-WATER POLLUTION", "M"),
    ("1602 FG-ALTER STREAMBED W/O NOTIFICATION", "M"),
    ("374.8(B) PC-DEPOSIT HAZARDOUS SUBSTANCE", "F"),
)

# --- Disqualifying priors ------------------------------------------------------------------
SUPER_STRIKES: tuple[Offense, ...] = (
    ("187(A) PC-MURDER", "F"),
    ("664/187(A) PC-ATTEMPTED MURDER", "F"),
    ("288(A) PC-LEWD OR LASCIV ACTS W/CHILD UNDER 14", "F"),
    ("261(A)(2) PC-RAPE BY FORCE/FEAR/ETC", "F"),
    ("288.5(A) PC-CONTINUOUS SEXUAL ABUSE OF CHILD", "F"),
    ("245(D)(3) PC-ASSAULT W/MACHINE GUN ON PEACE OFFICER", "F"),
)
PC290_OFFENSES: tuple[Offense, ...] = (
    ("261 PC-RAPE", "F"),
    ("288 PC-LEWD ACTS WITH CHILD", "F"),
    ("314(1) PC-INDECENT EXPOSURE", "M"),
    ("647.6(A)(1) PC-ANNOY/MOLEST CHILD UNDER 18", "M"),
    ("243.4(A) PC-SEXUAL BATTERY", "F"),
    ("311.11(A) PC-POSSESS/ETC CHILD PORNOGRAPHY", "F"),
)
REGISTRATION_TEXT = "290 PC-REGISTRATION OF SEX OFFENDER"

# --- Everyday history: traffic, theft, violence, other drugs -------------------------------
ORDINARY: tuple[tuple[Offense, int], ...] = (
    (("23152(A) VC-DUI ALCOHOL/DRUGS", "M"), 14),
    (("23152(B) VC-DUI 0.08 ALCOHOL", "M"), 10),
    (("14601.1(A) VC-DRIVE WHILE LIC SUSPENDED/ETC", "M"), 9),
    (("12500(A) VC-DRIVE WITHOUT LICENSE", "M"), 6),
    (("10851(A) VC-TAKE VEHICLE W/O OWNER CONSENT", "W"), 4),
    (("20002(A) VC-HIT AND RUN:PROPERTY DAMAGE", "M"), 3),
    (("22350 VC-UNSAFE SPEED", "I"), 3),
    (("459 PC-BURGLARY", "F"), 6),
    (("484(A) PC-THEFT", "M"), 7),
    (("488 PC-PETTY THEFT", "M"), 7),
    (("496(A) PC-RECEIVE KNOWN STOLEN PROPERTY", "W"), 5),
    (("666 PC-PETTY THEFT WITH PRIOR", "W"), 2),
    (("242 PC-BATTERY", "M"), 6),
    (("243(E)(1) PC-BATTERY ON SPOUSE/EX SPOUSE/DATE/ETC", "M"), 4),
    (("245(A)(1) PC-ASSAULT WITH DEADLY WEAPON", "F"), 3),
    (("273.5(A) PC-INFLICT CORPORAL INJ ON SPOUSE/COHAB", "W"), 3),
    (("594(A) PC-VANDALISM", "M"), 5),
    (("602 PC-TRESPASSING", "M"), 3),
    (("466 PC-POSSESS/ETC BURGLARY TOOLS", "M"), 2),
    (("853.7 PC-FAIL TO APPEAR AFTER WRITTEN PROMISE", "M"), 4),
    (("166(A)(4) PC-CONTEMPT:DISOBEY COURT ORDER", "M"), 3),
    (("415(1) PC-FIGHT/CHALLENGE FIGHT PUBLIC PLACE", "M"), 2),
    (("211 PC-ROBBERY", "F"), 2),
    (("11350(A) HS-POSSESS NARCOTIC CONTROLLED SUBSTANCE", "W"), 6),
    (("11377(A) HS-POSSESS CONTROLLED SUBSTANCE", "W"), 7),
    (("11378 HS-POSSESS CONTROLLED SUBSTANCE FOR SALE", "F"), 3),
    (("11351 HS-POSSESS/PURCHASE NARCOTIC CONTROLLED SUBSTANCE FOR SALE", "F"), 2),
    (("11550(A) HS-UNDER INFLUENCE OF CONTROLLED SUBSTANCE", "M"), 4),
    (("11364 HS-POSSESS UNLAWFUL PARAPHERNALIA", "M"), 3),
    (("647(F) PC-DISORDERLY CONDUCT:INTOXICATED", "M"), 3),
    (("29800(A)(1) PC-FELON/ADDICT POSSESS FIREARM", "F"), 1),
    (("4573.6 PC-POSSESS CONTROLLED SUBSTANCE IN PRISON", "F"), 1),
)

# Juvenile adjudications draw from everyday offenses and a few cannabis ones.
JUVENILE_CANNABIS: tuple[Offense, ...] = (
    PRE_FOR_SALE,
    PRE_SELL,
    ("11357(C) HS-POSSESS MARIJUANA OVER 28.5 GRAMS", "M"),
)

# --- People, places ---------------------------------------------------------------------
LAST_NAMES: tuple[str, ...] = (
    "ABERNATHY",
    "ALVARADO",
    "ARCHULETA",
    "BALDWIN",
    "BARRAZA",
    "BECKETT",
    "BLANCHARD",
    "BOWEN",
    "BRISCOE",
    "CALDERON",
    "CARRASCO",
    "CHANDLER",
    "COLLIER",
    "CORTEZ",
    "DALTON",
    "DELACRUZ",
    "DOMINGUEZ",
    "DUNLAP",
    "ESCOBAR",
    "ESPINOZA",
    "FAIRBANKS",
    "FIGUEROA",
    "FLETCHER",
    "GALLEGOS",
    "GARRISON",
    "GUTIERREZ",
    "HALVORSEN",
    "HARGROVE",
    "HOLLOWAY",
    "IBARRA",
    "JEFFERSON",
    "KESSLER",
    "KOWALSKI",
    "LANDRY",
    "LOMBARDI",
    "MACIAS",
    "MALDONADO",
    "MCALLISTER",
    "MEDINA",
    "MONTOYA",
    "NAKAMURA",
    "NAVARRO",
    "OKAFOR",
    "ORTEGA",
    "PADILLA",
    "PEMBERTON",
    "QUINTERO",
    "RAMIREZ",
    "ROSALES",
    "SALAZAR",
    "SANDOVAL",
    "SHIMIZU",
    "TANAKA",
    "TRUJILLO",
    "VALENZUELA",
    "VILLANUEVA",
    "WAKEFIELD",
    "WHITAKER",
    "YAMAMOTO",
    "ZAMORA",
    "NGUYEN",
    "TRAN",
    "PHAM",
    "KIM",
    "PARK",
    "OKONKWO",
    "HASSAN",
    "PATEL",
    "SINGH",
    "O'BRIEN",
    "MC KENZIE",
    "DE LA ROSA",
    "VAN DYKE",
)
FIRST_NAMES_F: tuple[str, ...] = (
    "ALMA",
    "BEATRIZ",
    "CELESTE",
    "DARLENE",
    "EDNA",
    "FABIOLA",
    "GRETCHEN",
    "HOLLY",
    "IMELDA",
    "JOLENE",
    "KENDRA",
    "LORENA",
    "MARISOL",
    "NADINE",
    "ODETTE",
    "PRISCILLA",
    "ROSALIND",
    "SHAUNA",
    "TAMARA",
    "URSULA",
    "VERONICA",
    "WANDA",
    "YOLANDA",
    "ZORAIDA",
    "MAI",
    "ANH",
    "JIN",
    "AMARA",
)
FIRST_NAMES_M: tuple[str, ...] = (
    "ABEL",
    "BRANDON",
    "CORNELIUS",
    "DESMOND",
    "EMILIO",
    "FERNANDO",
    "GUSTAVO",
    "HECTOR",
    "IGNACIO",
    "JARED",
    "KURTIS",
    "LEANDRO",
    "MARCUS",
    "NESTOR",
    "OSWALDO",
    "PRESTON",
    "QUENTIN",
    "ROLANDO",
    "SALVADOR",
    "TERRENCE",
    "ULYSSES",
    "VINCENTE",
    "WENDELL",
    "XAVIER",
    "YUSUF",
    "ZACHARIAH",
    "BAO",
    "MINH",
    "CHIDI",
)
INITIALS = "ABCDEFGHIJKLMNOPRSTVW"

COUNTIES: tuple[str, ...] = (
    "ALAMEDA",
    "BUTTE",
    "CONTRA COSTA",
    "FRESNO",
    "HUMBOLDT",
    "IMPERIAL",
    "KERN",
    "LOS ANGELES",
    "MENDOCINO",
    "MONTEREY",
    "ORANGE",
    "RIVERSIDE",
    "SACRAMENTO",
    "SAN BERNARDINO",
    "SAN DIEGO",
    "SAN FRANCISCO",
    "SAN JOAQUIN",
    "SAN MATEO",
    "SANTA BARBARA",
    "SANTA CLARA",
    "SHASTA",
    "SONOMA",
    "STANISLAUS",
    "TULARE",
    "VENTURA",
    "YOLO",
)


def county_case_prefix(county: str) -> str:
    """Two letters that courts put in case numbers: SAN BERNARDINO -> SB, KERN -> KE."""
    words = county.split()
    if len(words) >= 2:
        return (words[0][0] + words[-1][0]).upper()
    return county[:2].upper()
