package synth

// centre is a town or city around which snap points cluster.
type centre struct {
	name     string
	force    string  // data.police.uk force id
	lat, lon float64 // WGS84 degrees, the town centre
	pop      float64 // rough population in thousands; sets weight and spread
}

// centres are real towns and cities of England and Wales with rough
// populations. Every territorial force has at least one, so every force gets
// a street file; London is split into a core and outer centres so that its
// density falls off the way the Met's does.
var centres = []centre{
	{"Bristol", "avon-and-somerset", 51.4545, -2.5879, 470},
	{"Bath", "avon-and-somerset", 51.3811, -2.3590, 95},
	{"Taunton", "avon-and-somerset", 51.0150, -3.1000, 60},
	{"Weston-super-Mare", "avon-and-somerset", 51.3460, -2.9770, 80},
	{"Luton", "bedfordshire", 51.8787, -0.4200, 225},
	{"Bedford", "bedfordshire", 52.1360, -0.4667, 105},
	{"Cambridge", "cambridgeshire", 52.2053, 0.1218, 145},
	{"Peterborough", "cambridgeshire", 52.5695, -0.2405, 215},
	{"Chester", "cheshire", 53.1934, -2.8931, 120},
	{"Warrington", "cheshire", 53.3900, -2.5970, 210},
	{"Crewe", "cheshire", 53.0979, -2.4416, 75},
	{"City of London", "city-of-london", 51.5155, -0.0922, 45},
	{"Middlesbrough", "cleveland", 54.5742, -1.2350, 175},
	{"Hartlepool", "cleveland", 54.6863, -1.2129, 90},
	{"Carlisle", "cumbria", 54.8925, -2.9329, 75},
	{"Barrow-in-Furness", "cumbria", 54.1108, -3.2261, 57},
	{"Kendal", "cumbria", 54.3280, -2.7463, 29},
	{"Derby", "derbyshire", 52.9225, -1.4746, 260},
	{"Chesterfield", "derbyshire", 53.2350, -1.4210, 105},
	{"Plymouth", "devon-and-cornwall", 50.3755, -4.1427, 265},
	{"Exeter", "devon-and-cornwall", 50.7184, -3.5339, 130},
	{"Torquay", "devon-and-cornwall", 50.4619, -3.5253, 65},
	{"Truro", "devon-and-cornwall", 50.2632, -5.0510, 20},
	{"Bournemouth", "dorset", 50.7192, -1.8808, 200},
	{"Poole", "dorset", 50.7150, -1.9872, 150},
	{"Durham", "durham", 54.7761, -1.5733, 50},
	{"Darlington", "durham", 54.5236, -1.5595, 105},
	{"Carmarthen", "dyfed-powys", 51.8576, -4.3121, 15},
	{"Aberystwyth", "dyfed-powys", 52.4153, -4.0829, 16},
	{"Llanelli", "dyfed-powys", 51.6840, -4.1630, 50},
	{"Newtown", "dyfed-powys", 52.5132, -3.3141, 11},
	{"Chelmsford", "essex", 51.7356, 0.4685, 110},
	{"Southend-on-Sea", "essex", 51.5459, 0.7077, 180},
	{"Colchester", "essex", 51.8959, 0.8919, 130},
	{"Basildon", "essex", 51.5761, 0.4887, 110},
	{"Gloucester", "gloucestershire", 51.8642, -2.2380, 130},
	{"Cheltenham", "gloucestershire", 51.8994, -2.0783, 115},
	{"Manchester", "greater-manchester", 53.4808, -2.2426, 1500},
	{"Bolton", "greater-manchester", 53.5785, -2.4299, 195},
	{"Stockport", "greater-manchester", 53.4106, -2.1575, 135},
	{"Wigan", "greater-manchester", 53.5450, -2.6325, 105},
	{"Oldham", "greater-manchester", 53.5409, -2.1114, 100},
	{"Newport", "gwent", 51.5842, -2.9977, 150},
	{"Cwmbran", "gwent", 51.6537, -3.0210, 48},
	{"Southampton", "hampshire", 50.9097, -1.4044, 250},
	{"Portsmouth", "hampshire", 50.8198, -1.0880, 210},
	{"Winchester", "hampshire", 51.0598, -1.3101, 45},
	{"Basingstoke", "hampshire", 51.2665, -1.0924, 110},
	{"Watford", "hertfordshire", 51.6565, -0.3903, 95},
	{"St Albans", "hertfordshire", 51.7520, -0.3360, 80},
	{"Stevenage", "hertfordshire", 51.9038, -0.1966, 90},
	{"Hull", "humberside", 53.7676, -0.3274, 260},
	{"Grimsby", "humberside", 53.5675, -0.0800, 90},
	{"Scunthorpe", "humberside", 53.5809, -0.6502, 80},
	{"Maidstone", "kent", 51.2704, 0.5227, 110},
	{"Canterbury", "kent", 51.2802, 1.0789, 55},
	{"Chatham", "kent", 51.3781, 0.5250, 280},
	{"Ashford", "kent", 51.1465, 0.8750, 75},
	{"Preston", "lancashire", 53.7632, -2.7031, 145},
	{"Blackpool", "lancashire", 53.8175, -3.0357, 140},
	{"Blackburn", "lancashire", 53.7486, -2.4875, 120},
	{"Lancaster", "lancashire", 54.0466, -2.8007, 50},
	{"Leicester", "leicestershire", 52.6369, -1.1398, 370},
	{"Loughborough", "leicestershire", 52.7721, -1.2062, 60},
	{"Lincoln", "lincolnshire", 53.2307, -0.5406, 100},
	{"Boston", "lincolnshire", 52.9789, -0.0266, 45},
	{"Grantham", "lincolnshire", 52.9118, -0.6420, 45},
	{"Liverpool", "merseyside", 53.4084, -2.9916, 500},
	{"Birkenhead", "merseyside", 53.3934, -3.0148, 140},
	{"St Helens", "merseyside", 53.4539, -2.7375, 100},
	{"Westminster", "metropolitan", 51.5074, -0.1278, 4500},
	{"Croydon", "metropolitan", 51.3762, -0.0982, 390},
	{"Stratford", "metropolitan", 51.5413, -0.0032, 350},
	{"Ealing", "metropolitan", 51.5130, -0.3089, 340},
	{"Romford", "metropolitan", 51.5768, 0.1801, 250},
	{"Harrow", "metropolitan", 51.5806, -0.3420, 250},
	{"Enfield", "metropolitan", 51.6523, -0.0807, 330},
	{"Kingston upon Thames", "metropolitan", 51.4123, -0.3007, 170},
	{"Norwich", "norfolk", 52.6309, 1.2974, 145},
	{"King's Lynn", "norfolk", 52.7543, 0.3976, 45},
	{"Great Yarmouth", "norfolk", 52.6081, 1.7305, 40},
	{"Wrexham", "north-wales", 53.0466, -2.9925, 65},
	{"Bangor", "north-wales", 53.2274, -4.1293, 18},
	{"Rhyl", "north-wales", 53.3191, -3.4916, 25},
	{"York", "north-yorkshire", 53.9600, -1.0873, 210},
	{"Harrogate", "north-yorkshire", 53.9921, -1.5418, 75},
	{"Scarborough", "north-yorkshire", 54.2831, -0.3998, 60},
	{"Northampton", "northamptonshire", 52.2405, -0.9027, 225},
	{"Kettering", "northamptonshire", 52.3980, -0.7250, 60},
	{"Corby", "northamptonshire", 52.4914, -0.6965, 55},
	{"Newcastle upon Tyne", "northumbria", 54.9783, -1.6178, 300},
	{"Sunderland", "northumbria", 54.9069, -1.3838, 175},
	{"Gateshead", "northumbria", 54.9527, -1.6034, 120},
	{"Nottingham", "nottinghamshire", 52.9548, -1.1581, 330},
	{"Mansfield", "nottinghamshire", 53.1472, -1.1987, 110},
	{"Cardiff", "south-wales", 51.4816, -3.1791, 360},
	{"Swansea", "south-wales", 51.6214, -3.9436, 245},
	{"Merthyr Tydfil", "south-wales", 51.7487, -3.3816, 45},
	{"Sheffield", "south-yorkshire", 53.3811, -1.4701, 580},
	{"Doncaster", "south-yorkshire", 53.5228, -1.1285, 110},
	{"Rotherham", "south-yorkshire", 53.4326, -1.3635, 110},
	{"Barnsley", "south-yorkshire", 53.5526, -1.4797, 95},
	{"Stoke-on-Trent", "staffordshire", 53.0027, -2.1794, 255},
	{"Stafford", "staffordshire", 52.8067, -2.1168, 70},
	{"Burton upon Trent", "staffordshire", 52.8019, -1.6430, 75},
	{"Ipswich", "suffolk", 52.0567, 1.1482, 140},
	{"Bury St Edmunds", "suffolk", 52.2463, 0.7111, 40},
	{"Lowestoft", "suffolk", 52.4811, 1.7500, 70},
	{"Guildford", "surrey", 51.2362, -0.5704, 80},
	{"Woking", "surrey", 51.3190, -0.5600, 105},
	{"Epsom", "surrey", 51.3360, -0.2670, 80},
	{"Brighton", "sussex", 50.8225, -0.1372, 290},
	{"Crawley", "sussex", 51.1092, -0.1872, 115},
	{"Eastbourne", "sussex", 50.7684, 0.2904, 100},
	{"Worthing", "sussex", 50.8179, -0.3729, 110},
	{"Reading", "thames-valley", 51.4543, -0.9781, 230},
	{"Oxford", "thames-valley", 51.7520, -1.2577, 155},
	{"Milton Keynes", "thames-valley", 52.0406, -0.7594, 230},
	{"Slough", "thames-valley", 51.5105, -0.5950, 165},
	{"High Wycombe", "thames-valley", 51.6287, -0.7482, 120},
	{"Nuneaton", "warwickshire", 52.5230, -1.4652, 90},
	{"Leamington Spa", "warwickshire", 52.2852, -1.5201, 95},
	{"Rugby", "warwickshire", 52.3709, -1.2650, 75},
	{"Worcester", "west-mercia", 52.1920, -2.2200, 100},
	{"Shrewsbury", "west-mercia", 52.7073, -2.7553, 75},
	{"Telford", "west-mercia", 52.6784, -2.4453, 150},
	{"Hereford", "west-mercia", 52.0565, -2.7160, 60},
	{"Birmingham", "west-midlands", 52.4862, -1.8904, 1150},
	{"Coventry", "west-midlands", 52.4068, -1.5197, 370},
	{"Wolverhampton", "west-midlands", 52.5870, -2.1288, 265},
	{"Walsall", "west-midlands", 52.5862, -1.9829, 175},
	{"Leeds", "west-yorkshire", 53.8008, -1.5491, 800},
	{"Bradford", "west-yorkshire", 53.7960, -1.7594, 350},
	{"Huddersfield", "west-yorkshire", 53.6458, -1.7850, 160},
	{"Wakefield", "west-yorkshire", 53.6830, -1.4977, 100},
	{"Swindon", "wiltshire", 51.5558, -1.7797, 185},
	{"Salisbury", "wiltshire", 51.0688, -1.7945, 40},
	{"Chippenham", "wiltshire", 51.4585, -2.1158, 37},
}

// welshForces are the forces whose LSOA codes start W01 rather than E01.
var welshForces = map[string]bool{
	"dyfed-powys": true, "gwent": true, "north-wales": true, "south-wales": true,
}

// coast is a rough outline of England and Wales (lon, lat), clockwise from
// Berwick. It only keeps rural background points and the tails of town
// Gaussians out of the sea; a few km of error is harmless.
var coast = [][2]float64{
	{-2.03, 55.80}, {-1.60, 55.60}, {-1.45, 55.05}, {-1.15, 54.60},
	{-0.40, 54.30}, {-0.08, 54.10}, {0.12, 53.60}, {0.35, 53.20},
	{0.25, 52.90}, {1.00, 52.95}, {1.75, 52.65}, {1.78, 52.45},
	{1.55, 52.05}, {1.10, 51.80}, {0.75, 51.55}, {1.40, 51.35},
	{1.40, 51.15}, {0.95, 50.95}, {0.25, 50.75}, {-0.80, 50.75},
	{-1.30, 50.75}, {-2.00, 50.60}, {-2.45, 50.55}, {-3.40, 50.60},
	{-3.60, 50.25}, {-4.20, 50.33}, {-5.05, 50.00}, {-5.70, 50.05},
	{-5.05, 50.55}, {-4.55, 50.95}, {-4.20, 51.20}, {-3.40, 51.20},
	{-3.10, 51.35}, {-2.70, 51.50}, {-3.20, 51.40}, {-3.60, 51.40},
	{-4.00, 51.55}, {-4.30, 51.55}, {-5.10, 51.60}, {-5.30, 51.85},
	{-4.70, 52.10}, {-4.10, 52.45}, {-4.15, 52.80}, {-4.75, 52.80},
	{-4.30, 53.05}, {-4.60, 53.30}, {-4.20, 53.40}, {-3.80, 53.30},
	{-3.10, 53.40}, {-3.05, 53.60}, {-3.05, 53.90}, {-3.30, 54.10},
	{-3.60, 54.45}, {-3.40, 54.85}, {-3.05, 54.95}, {-2.60, 55.10},
	{-2.20, 55.40},
}

// Bounds of coast, for drawing rural points by rejection.
const (
	minLon, maxLon = -5.70, 1.78
	minLat, maxLat = 50.00, 55.80
)

// onLand reports whether (lon, lat) lies inside coast, by ray casting.
func onLand(lon, lat float64) bool {
	in := false
	for i, j := 0, len(coast)-1; i < len(coast); j, i = i, i+1 {
		xi, yi := coast[i][0], coast[i][1]
		xj, yj := coast[j][0], coast[j][1]
		if (yi > lat) != (yj > lat) && lon < (xj-xi)*(lat-yi)/(yj-yi)+xi {
			in = !in
		}
	}
	return in
}

// commonStreets are names that recur in most towns, drawn more often than the
// generated ones so that a dataset has many points sharing a name, like the
// real "High Street"s.
var commonStreets = []string{
	"High Street", "Station Road", "Main Street", "Park Road", "Church Street",
	"Church Road", "London Road", "Victoria Road", "Green Lane", "Manor Road",
	"Church Lane", "Park Avenue", "Queens Road", "New Road", "Market Place",
	"Mill Lane", "School Lane", "The Crescent", "Kings Road", "North Street",
}

// places are the non-street snap point names data.police.uk uses.
var places = []string{
	"Supermarket", "Parking Area", "Petrol Station", "Nightclub",
	"Shopping Area", "Sports/Recreation Area", "Further/Higher Educational Building",
	"Hospital", "Police Station", "Conference/Exhibition Centre", "Theatre/Concert Hall",
	"Pedestrian Subway", "Bus/Coach Station",
}

var streetStems = []string{
	"Abbey", "Acacia", "Albert", "Albion", "Alexandra", "Alma", "Ash", "Aspen",
	"Beech", "Belgrave", "Belmont", "Birch", "Blenheim", "Bridge", "Brook",
	"Cambridge", "Castle", "Cavendish", "Cedar", "Chapel", "Charles", "Chestnut",
	"Clarence", "Cromwell", "Dale", "Denmark", "Devonshire", "Duke", "Elm",
	"Fairfield", "Farm", "Fern", "Forest", "George", "Gladstone", "Glebe",
	"Grange", "Granville", "Grosvenor", "Grove", "Hall", "Hamilton", "Hawthorn",
	"Hazel", "Heath", "Highfield", "Hill", "Holly", "Hope", "Kent", "King",
	"Lansdowne", "Larch", "Laurel", "Lime", "Linden", "Maple", "Marlborough",
	"Meadow", "Melbourne", "Mill", "Milton", "Moor", "Mount", "Nelson", "Newton",
	"Oak", "Orchard", "Oxford", "Palmerston", "Park", "Peel", "Pine", "Poplar",
	"Portland", "Priory", "Princes", "Queen", "Raglan", "Regent", "Richmond",
	"Rose", "Rowan", "St Peter'S", "St John'S", "St Mary'S", "Salisbury",
	"Sandringham", "Spring", "Stanley", "Sycamore", "Trinity", "Union",
	"Vicarage", "Victoria", "Walnut", "Water", "Wellington", "West", "Willow",
	"Windsor", "Wood", "York",
}

var streetKinds = []string{
	"Street", "Road", "Lane", "Avenue", "Close", "Way", "Drive", "Crescent",
	"Grove", "Place", "Gardens", "Terrace", "Court", "Walk",
}

// Crime-type and outcome shares are row counts across the real street files
// described in the shared data folder's SOURCES.md.
var categoryShares = []struct {
	name  string
	count float64
}{
	{"Anti-social behaviour", 32062},
	{"Violence and sexual offences", 29455},
	{"Other theft", 12827},
	{"Criminal damage and arson", 10752},
	{"Shoplifting", 9141},
	{"Vehicle crime", 8696},
	{"Burglary", 7710},
	{"Public order", 7580},
	{"Theft from the person", 4550},
	{"Drugs", 3993},
	{"Bicycle theft", 2455},
	{"Other crime", 2152},
	{"Possession of weapons", 1302},
	{"Robbery", 1169},
}

// asbCategory is the index of anti-social behaviour in categoryShares.
const asbCategory = 0

// outcomeShares are the outcomes of crimes other than anti-social behaviour.
// The blank count is the observed 37756 blanks less the 32062 ASB rows, which
// are always blank.
var outcomeShares = []struct {
	name  string
	count float64
}{
	{"Investigation complete; no suspect identified", 42263},
	{"", 37756 - 32062},
	{"Unable to prosecute suspect", 15030},
	{"Under investigation", 13187},
	{"Status update unavailable", 7726},
	{"Awaiting court outcome", 4240},
	{"Formal action is not in the public interest", 4089},
	{"Local resolution", 2952},
	{"Court result unavailable", 1726},
	{"Offender given a caution", 1252},
	{"Offender given a drugs possession warning", 984},
	{"Offender sent to prison", 641},
	{"Offender given penalty notice", 393},
	{"Offender given community sentence", 376},
	{"Offender fined", 258},
	{"Offender given suspended prison sentence", 240},
	{"Action to be taken by another organisation", 144},
	{"Offender given conditional discharge", 135},
	{"Defendant found not guilty", 108},
	{"Court case unable to proceed", 98},
	{"Further investigation is not in the public interest", 68},
	{"Suspect charged as part of another case", 49},
	{"Offender otherwise dealt with", 44},
	{"Offender ordered to pay compensation", 37},
	{"Defendant sent to Crown Court", 30},
	{"Offender deprived of property", 14},
	{"Offender given absolute discharge", 4},
}
