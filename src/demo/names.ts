/** Company-ish names for demo accounts; some carry commas or quotes so CSV quoting is exercised. */

import type { Rng } from './random.js';

const FIRST = [
  'Acme', 'Northwind', 'Bluebird', 'Juniper', 'Copperleaf', 'Harbor', 'Summit', 'Lumen', 'Granite', 'Willow',
  'Beacon', 'Cobalt', 'Meridian', 'Orchard', 'Pinecrest', 'Redwood', 'Silverline', 'Tidewater', 'Vantage', 'Zephyr',
  'Atlas', 'Brightpath', 'Cascade', 'Driftwood', 'Evergreen', 'Foxglove', 'Golden Gate', 'Highland', 'Ironbridge', 'Kestrel',
  'Lakeshore', 'Maple', 'Nimbus', 'Oakridge', 'Paragon', 'Quartz', 'Riverstone', 'Sable', 'Trillium', 'Upland',
  'Velvet', 'Westwind', 'Yellowpine', 'Alder', 'Birchwood', 'Cedar', 'Dovetail', 'Ember', 'Fjord', 'Glacier',
  'Helix', 'Indigo', 'Jasper', 'Keystone', 'Larkspur', 'Mosaic', 'Nova', 'Onyx', 'Pioneer', 'Quill',
];

const SECOND = [
  'Analytics', 'Labs', 'Software', 'Health', 'Logistics', 'Studio', 'Commerce', 'Payments', 'Learning', 'Travel',
  'Foods', 'Outfitters', 'Robotics', 'Energy', 'Insurance', 'Media', 'Games', 'Fitness', 'Realty', 'Cloud',
  'Security', 'Bank', 'Apparel', 'Pets', 'Motors', 'Design', 'Data', 'Systems', 'Markets', 'Home',
];

const SUFFIX = ['', '', '', '', '', ', Inc.', ', LLC', ' Ltd', ' GmbH', ' SAS', ' & Co', ' Group', ' HQ', ', S.A.'];

const SURNAMES = ['Murphy', "O'Brien", 'Nakamura', 'Okafor', "D'Angelo", 'Lindqvist', 'Moreau', 'Kowalski', 'Haddad', 'Silva'];

export function companyName(rng: Rng): string {
  if (rng.chance(0.004)) return `The "${FIRST[rng.int(FIRST.length)]}" Collective`;
  const name = `${FIRST[rng.int(FIRST.length)]} ${SECOND[rng.int(SECOND.length)]}${SUFFIX[rng.int(SUFFIX.length)]}`;
  if (rng.chance(0.04)) return `${SURNAMES[rng.int(SURNAMES.length)]} & ${SURNAMES[rng.int(SURNAMES.length)]}`;
  return name;
}
