// The user-assigned managed identity the function app runs as: storage, deployment package and telemetry.

@description('Name of the user-assigned managed identity.')
param name string

@description('Azure region of the identity.')
param location string

@description('Tags applied to the identity.')
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

@description('Resource id of the identity (for the app\'s identity block and deployment storage).')
output id string = identity.id

@description('Client id of the identity (the `__clientId` of identity-based connections).')
output clientId string = identity.properties.clientId

@description('Object id of the identity\'s service principal (the subject of its role assignments).')
output principalId string = identity.properties.principalId
