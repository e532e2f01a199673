# From Figshare's API resources page (shared/figshare-api/api-resources-page.md),
# section "Authenticate".
# Kept verbatim (lines marked PORT excepted); the test substitutes the placeholder lines
# (base URL, token, file path, item ids) before running it against the sandbox.
import json
import requests
#Set the base URL
BASE_URL = 'https://api.figshare.com/v2'
#Set the token for the header
api_call_headers = {'Authorization': 'token ENTER-TOKEN'} #example: {'Authorization': 'token dkd8rskjdkfiwi49hgkw...'}
#Retrieve basic metadata for 10 items your account owns
r=requests.get(BASE_URL + '/account/articles?page=1&page_size=10', headers=api_call_headers)
#Load the metadata as JSON
metadata=json.loads(r.text)
#View the metadata
print(metadata)
