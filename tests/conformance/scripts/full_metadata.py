# From Figshare's API resources page (shared/figshare-api/api-resources-page.md),
# section "Full metadata".
# Kept verbatim (lines marked PORT excepted); the test substitutes the placeholder lines
# (base URL, token, file path, item ids) before running it against the sandbox.
import json
import requests

#Set the token in the header  if you have some private items in your list
#api_call_headers = {'Authorization': 'token ENTER-TOKEN'} #example: {'Authorization': 'token dkd8rskjdkfiwi49hgkw...'}

#---INSERT CODE TO COLLECT ITEM IDS HERE----

#Set the base URL
BASE_URL = 'https://api.figshare.com/v2'

full_records = [] #Create a blank list to hold the JSON metadata records
for id_value in item_ids: 
    r=requests.get(BASE_URL + '/account/articles/' + str(id_value), headers=api_call_headers)
    metadata=json.loads(r.text)
    full_records.append(metadata) #Add the collected metadata record to the master list of records

# PORT: the page's print has its text unquoted (a SyntaxError in any Python); quoted here.
print(len(full_records),'metadata records collected')
